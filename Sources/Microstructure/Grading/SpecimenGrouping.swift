// Which specimen an image belongs to, for per-specimen grading: a regular expression on the
// file name (its first capture group, or the whole match), a manifest, or the default rule
// that strips a trailing field number ("s0001-03.tif" → "s0001"; "plate-A.tif" stays
// "plate-A"). A pattern or manifest that does not cover a file says so, so a lab sees which
// images fell back to the default rule.

import Foundation
import Shared

public struct SpecimenGrouping: Sendable {
    public enum Rule: Sendable {
        case defaultRule
        case pattern(String)
        /// Image name (as written in the manifest, or its file name) → specimen.
        case manifest([String: String])
    }

    public let rule: Rule
    private let regex: NSRegularExpression?

    /// - Throws: `ReticleError(.usage)` for a pattern that is not a valid regular expression.
    public init(_ rule: Rule = .defaultRule) throws {
        self.rule = rule
        if case .pattern(let p) = rule {
            do { regex = try NSRegularExpression(pattern: p) } catch {
                throw ReticleError(.usage, "--specimen-pattern \"\(p)\" is not a valid regular expression")
            }
        } else {
            regex = nil
        }
    }

    /// A grouping from a manifest CSV with image and specimen columns.
    public static func manifest(at path: String) throws -> SpecimenGrouping {
        let data = try GradingDataset.manifest(at: path)
        var map: [String: String] = [:]
        for m in data.micrographs {
            map[m.name] = m.specimen
            map[(m.name as NSString).lastPathComponent] = m.specimen
        }
        return try SpecimenGrouping(.manifest(map))
    }

    /// The specimen of the image shown as `displayPath`.
    public func specimen(of displayPath: String) -> String { assign(displayPath).specimen }

    /// The specimen of the image shown as `displayPath`, and a warning when the pattern or manifest does not
    /// cover it (it then falls back to the default rule).
    public func assign(_ displayPath: String) -> (specimen: String, warning: String?) {
        let file = (displayPath as NSString).lastPathComponent
        switch rule {
        case .defaultRule:
            return (Self.defaultSpecimen(of: file), nil)
        case .pattern(let p):
            let range = NSRange(file.startIndex..., in: file)
            guard let m = regex?.firstMatch(in: file, range: range) else {
                let fallback = Self.defaultSpecimen(of: file)
                return (fallback, "\(displayPath): --specimen-pattern \"\(p)\" does not match the file name; specimen \"\(fallback)\" by the default rule")
            }
            let r = m.numberOfRanges > 1 && m.range(at: 1).location != NSNotFound ? m.range(at: 1) : m.range
            return (Range(r, in: file).map { String(file[$0]) } ?? file, nil)
        case .manifest(let map):
            if let s = map[displayPath] ?? map[file] { return (s, nil) }
            let fallback = Self.defaultSpecimen(of: file)
            return (fallback, "\(displayPath): not in the specimen manifest; specimen \"\(fallback)\" by the default rule")
        }
    }

    /// The file name without extension and without a trailing field number (`[-_]digits`): "s0001-03" → "s0001",
    /// "plate_12" → "plate"; "plate-A" stays "plate-A" (A and B are two specimens, not two fields of one).
    public static func defaultSpecimen(of file: String) -> String {
        let stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        let digits = stem.reversed().prefix { $0.isASCII && $0.isNumber }.count
        guard digits > 0, digits < stem.count - 1 else { return stem }
        let cut = stem.index(stem.endIndex, offsetBy: -digits - 1)
        guard stem[cut] == "-" || stem[cut] == "_" else { return stem }
        return String(stem[..<cut])
    }
}
