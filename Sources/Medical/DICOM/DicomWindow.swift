// A VOI window (WindowCenter/WindowWidth) and the functions of PS3.3 C.11.2.1.2 that map
// modality values through it to display values in 0...1.

import Foundation

public struct DicomWindow: Equatable, Sendable {
    /// VOILUTFunction (0028,1056); LINEAR when absent.
    public enum Function: String, Sendable {
        case linear = "LINEAR"
        case linearExact = "LINEAR_EXACT"
        case sigmoid = "SIGMOID"
    }

    public var center: Double
    public var width: Double
    public var function: Function

    public init(center: Double, width: Double, function: Function = .linear) {
        self.center = center
        self.width = width
        self.function = function
    }

    /// A window PS3.3 allows: width ≥ 1 for LINEAR, > 0 otherwise, both finite.
    public var isValid: Bool {
        guard center.isFinite, width.isFinite else { return false }
        return function == .linear ? width >= 1 : width > 0
    }

    /// The display value in 0...1 of modality value `x`.
    @inline(__always)
    public func apply(_ x: Double) -> Double {
        switch function {
        case .linear:
            // C.11.2.1.2.1: the -0.5 and -1 terms centre the ramp on integer stored values.
            let c = center - 0.5, w = width - 1
            if x <= c - w / 2 { return 0 }
            if x > c + w / 2 { return 1 }
            return (x - c) / w + 0.5
        case .linearExact:
            if x <= center - width / 2 { return 0 }
            if x > center + width / 2 { return 1 }
            return (x - center) / width + 0.5
        case .sigmoid:
            return 1 / (1 + exp(-4 * (x - center) / width))
        }
    }
}
