// Which specimen an image belongs to, for per-specimen grading: a regular expression on the
// file name (its first capture group, or the whole match), a manifest, or the default rule
// that strips a trailing field number ("s0001-03.tif" → "s0001").

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
    public func specimen(of displayPath: String) -> String {
        let file = (displayPath as NSString).lastPathComponent
        switch rule {
        case .defaultRule:
            return Self.defaultSpecimen(of: file)
        case .pattern:
            let range = NSRange(file.startIndex..., in: file)
            guard let m = regex?.firstMatch(in: file, range: range) else { return Self.defaultSpecimen(of: file) }
            let r = m.numberOfRanges > 1 && m.range(at: 1).location != NSNotFound ? m.range(at: 1) : m.range
            return Range(r, in: file).map { String(file[$0]) } ?? file
        case .manifest(let map):
            return map[displayPath] ?? map[file] ?? Self.defaultSpecimen(of: file)
        }
    }

    /// The file name without extension, up to its last '-' or '_' when something follows it.
    public static func defaultSpecimen(of file: String) -> String {
        let stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        guard let cut = stem.lastIndex(where: { $0 == "-" || $0 == "_" }), cut != stem.startIndex,
              stem.index(after: cut) != stem.endIndex else { return stem }
        return String(stem[..<cut])
    }
}
