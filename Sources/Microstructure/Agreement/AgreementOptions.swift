// The options of `reticle micro agreement`, and the analysis they describe: which label
// columns, which rater is the model, and which labels are ordinal (with their category order).

import Foundation
import Shared

public struct AgreementOptions: CommandOptions {
    public static let command = "micro agreement"
    /// Rater (long layout) or column (wide layout) holding the model's calls.
    public var modelColumn: String?
    /// Long layout: only these label columns (empty: all).
    public var labels: [String] = []
    /// Wide layout: the name of its one label.
    public var label = "label"
    /// Labels treated as ordinal.
    public var ordinal: [String] = []
    /// Labels treated as nominal.
    public var nominal: [String] = []
    /// Categories of ordinal labels, lowest first: LABEL=a,b,c.
    public var levels: [String] = []

    public init() {}

    public func validate() throws {
        _ = try parsedLevels()
        if let both = Set(ordinal).intersection(nominal).first {
            throw ReticleError(.usage, "'\(both)' cannot be both --ordinal and --nominal")
        }
    }

    /// LABEL → categories, lowest first.
    public func parsedLevels() throws -> [String: [String]] {
        var out: [String: [String]] = [:]
        for spec in levels {
            let parts = spec.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let values = parts.count == 2 ? parts[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } : []
            guard parts.count == 2, !parts[0].isEmpty, values.count >= 2, !values.contains(where: \.isEmpty) else {
                throw ReticleError(.usage, "--levels wants LABEL=a,b,c with two or more categories, got '\(spec)'")
            }
            guard Set(values).count == values.count else { throw ReticleError(.usage, "--levels \(parts[0]) names a category twice") }
            out[parts[0]] = values
        }
        return out
    }

    /// Nominal or ordinal: the options first, then a guess from the name.
    public func scale(of name: String, levels: [String: [String]]) -> LabelScale {
        if nominal.contains(name) { return .nominal }
        if ordinal.contains(name) || levels[name] != nil { return .ordinal }
        return LabelScale.guess(column: name)
    }

    /// What `analyse` found in one labels file.
    public struct Result: Sendable {
        public var file: RatingsCSV
        /// The rater that is the model, if any.
        public var model: String?
        /// The human raters.
        public var humans: [String]
        public var analyses: [RoundRobinAnalysis]
    }

    /// Reads the labels CSV at `path` and analyses every label.
    /// - Throws: `ReticleError(.usage)` naming the file: malformed, or no such model column.
    public func analyse(path: String) throws -> Result {
        let levelMap = try parsedLevels()
        let file = try RatingsCSV(path: path, options: .init(labelColumns: labels.isEmpty ? nil : labels,
                                                             wideLabel: label, levels: levelMap))
        let model: String?
        if let wanted = modelColumn {
            guard let found = file.raters.first(where: { $0 == wanted }) ?? file.raters.first(where: { $0.lowercased() == wanted.lowercased() }) else {
                throw ReticleError(.usage, file: path, "no \(file.layout == .long ? "rater" : "column") '\(wanted)' for --model-column (raters: \(file.raters.joined(separator: ", ")))")
            }
            model = found
        } else {
            model = file.raters.first { $0.lowercased() == "model" }
        }
        let analyses = file.labels.map { l in
            RoundRobinAnalysis(label: l.name, table: l.table, scale: scale(of: l.name, levels: levelMap),
                               model: model.flatMap { l.table.raters.contains($0) ? $0 : nil })
        }
        return Result(file: file, model: model, humans: file.raters.filter { $0 != model }, analyses: analyses)
    }
}
