// Specification limits on G, as a purchase order or a material standard states them
// ("G>=7", "G<=10", "5<=G<=8", several joined by commas): parsed once, checked per result.

import Foundation
import Shared

public struct GrainSizeSpec: Codable, Equatable, Sendable {
    public enum Relation: String, Codable, Sendable { case atLeast = ">=", above = ">", atMost = "<=", below = "<" }
    public struct Limit: Codable, Equatable, Sendable {
        public var relation: Relation
        public var value: Double

        func holds(_ g: Double) -> Bool {
            switch relation {
            case .atLeast: return g >= value
            case .above: return g > value
            case .atMost: return g <= value
            case .below: return g < value
            }
        }
    }

    public var text: String
    public var limits: [Limit]

    /// - Throws: `ReticleError(.usage)` naming the part that is not a limit on G.
    public init(_ text: String) throws {
        self.text = text
        var limits: [Limit] = []
        let parts = text.replacingOccurrences(of: " ", with: "").split(separator: ",").map(String.init)
        for part in parts {
            limits += try Self.parse(part)
        }
        guard !limits.isEmpty else { throw ReticleError(.usage, "--spec \"\(text)\" holds no limit on G; write e.g. G>=7 or 5<=G<=8") }
        self.limits = limits
    }

    static func parse(_ part: String) throws -> [Limit] {
        let bad = ReticleError(.usage, "--spec: \"\(part)\" is not a limit on G; write G>=7, G<=10 or 5<=G<=8")
        let ops: [(String, Relation, Relation)] = [(">=", .atLeast, .atMost), ("<=", .atMost, .atLeast), (">", .above, .below), ("<", .below, .above)]
        // "a<=G<=b": split at G.
        let sides = part.uppercased().split(separator: "G", omittingEmptySubsequences: false).map(String.init)
        guard sides.count == 2 else { throw bad }
        var out: [Limit] = []
        func op(_ s: String, prefix: Bool) -> (Relation, Relation, String)? {
            for (o, r, mirror) in ops where prefix ? s.hasPrefix(o) : s.hasSuffix(o) {
                return (r, mirror, prefix ? String(s.dropFirst(o.count)) : String(s.dropLast(o.count)))
            }
            return nil
        }
        if !sides[1].isEmpty {
            guard let (r, _, number) = op(sides[1], prefix: true), let v = Double(number), v.isFinite else { throw bad }
            out.append(Limit(relation: r, value: v))
        }
        if !sides[0].isEmpty {
            // "5<=G" reads as G>=5.
            guard let (_, mirror, number) = op(sides[0], prefix: false), let v = Double(number), v.isFinite else { throw bad }
            out.append(Limit(relation: mirror, value: v))
        }
        guard !out.isEmpty else { throw bad }
        return out
    }

    /// Whether `g` meets every limit.
    public func check(_ g: Double) -> Bool { limits.allSatisfy { $0.holds(g) } }

    /// {spec, G, method, pass}.
    public func json(g: Double, method: String) -> JSONObject {
        ["spec": .string(text), "G": .number((g * 100).rounded() / 100), "method": .string(method), "pass": .bool(check(g))]
    }
}
