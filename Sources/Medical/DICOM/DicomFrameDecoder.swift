// Turns one DICOM frame into an `Image` in the order of PS3.3 C.11: modality LUT, then VOI
// (a window or a VOI LUT, when asked), then MONOCHROME1 inversion exactly once. Colour frames come out as RGB.

import Foundation
import Shared

public struct DicomFrameDecoder: Sendable {
    /// Which VOI window to apply to monochrome frames.
    public enum VOI: Equatable, Sendable {
        /// None: pixels stay modality values (Hounsfield units for CT, for example).
        case none
        /// The file's WindowCenter/WindowWidth pair number `index`; an error when it has none.
        case fromFile(index: Int)
        /// A window given by the caller.
        case window(DicomWindow)
        /// The file's VOI LUT Sequence item number `index`; an error when it has none.
        case lutFromFile(index: Int)
    }

    public var voi: VOI
    /// Flip MONOCHROME1 frames so that higher values are brighter, as in MONOCHROME2.
    public var invertMonochrome1: Bool

    public init(voi: VOI = .none, invertMonochrome1: Bool = true) {
        self.voi = voi
        self.invertMonochrome1 = invertMonochrome1
    }

    /// Decodes `frame` (0-based) of `file`.
    ///
    /// Monochrome: 1 channel `.float32`; modality values without VOI, 0...1 with it. MONOCHROME1
    /// is inverted after VOI (1 − y), or without VOI reflected within the modality LUT's output
    /// range (lo + hi − v), so values keep their units and range.
    /// Colour: 3 channels RGB `.uint8` (`.uint16` above 8 stored bits); VOI does not apply.
    /// The calibration is the file's (`DicomFile.calibration`).
    public func decode(_ file: DicomFile, frame: Int = 0) throws -> Image {
        let info = try file.imageInfo()
        let calibration = file.calibration
        guard info.isMonochrome else {
            return Image(width: info.columns, height: info.rows, channels: 3,
                         storage: try file.rgbSamples(frame: frame), calibration: calibration)
        }
        let voiFunction = try resolveVOI(file)
        var values = try file.modalityValues(frame: frame)
        let invert = invertMonochrome1 && info.isMonochrome1
        if let voiFunction {
            for i in values.indices {
                let y = voiFunction(Double(values[i]))
                values[i] = Float(invert ? 1 - y : y)
            }
        } else if invert {
            let sum = info.modalityRange.lowerBound + info.modalityRange.upperBound
            for i in values.indices { values[i] = Float(sum - Double(values[i])) }
        }
        return Image(width: info.columns, height: info.rows, channels: 1, storage: .float32(values),
                     calibration: calibration)
    }

    /// Every frame of a multi-frame object, in order, as `decode` gives each: the stack.
    public func decodeStack(_ file: DicomFile) throws -> [Image] {
        let frames = try file.imageInfo().frames
        return try (0..<frames).map { try decode(file, frame: $0) }
    }

    /// The VOI stage as a function to 0...1, nil without VOI.
    private func resolveVOI(_ file: DicomFile) throws -> ((Double) -> Double)? {
        if case .lutFromFile(let index) = voi {
            let luts = try file.voiLUTs()
            guard index >= 0, index < luts.count else {
                throw ReticleError(.usage, file: file.path,
                                   luts.isEmpty ? "no VOI LUT in the file (VOI LUT Sequence)"
                                                : "VOI LUT \(index) asked, the file has \(luts.count)")
            }
            return luts[index].apply
        }
        return try resolveWindow(file).map { $0.apply }
    }

    private func resolveWindow(_ file: DicomFile) throws -> DicomWindow? {
        let window: DicomWindow
        let fromFile: Bool
        switch voi {
        case .none, .lutFromFile:
            return nil
        case .fromFile(let index):
            fromFile = true
            let windows = file.windows
            guard index >= 0, index < windows.count else {
                throw ReticleError(.usage, file: file.path,
                                   windows.isEmpty ? "no VOI window in the file (WindowCenter/WindowWidth)"
                                                   : "VOI window \(index) asked, the file has \(windows.count)")
            }
            window = windows[index]
        case .window(let w):
            fromFile = false
            window = w
        }
        guard window.isValid else {
            throw ReticleError(fromFile ? .corrupt : .usage, file: file.path,
                               "invalid VOI window: center \(window.center), width \(window.width)")
        }
        return window
    }
}
