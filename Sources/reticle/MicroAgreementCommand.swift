// `reticle micro agreement LABELS.csv`: a round-robin analysis of raters' labels (and the
// model's): Cohen's κ for every rater pair, Fleiss' κ, Krippendorff's α, and the model's
// agreement with each rater and with the majority, per label.
import ArgumentParser
import Foundation
import Microstructure
import Shared

struct MicroAgreementCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agreement",
        abstract: "Round-robin agreement: raters with each other, and the model with the raters.",
        discussion: """
        LABELS.csv comes in one of two layouts (RFC 4180 CSV; ';' or tab separators also work):
          long  image,rater,type,needle_class      one row per image and rater, a column per label
          wide  image,ann,bo,cy,model              one row per image, a column per rater, one label
        The layout is long when the header has a 'rater' column. Empty cells are missing \
        ratings; the columns specimen, comment(s) and note(s) are ignored. The model is the rater \
        (long) or column (wide) named by --model-column, or 'model' when there is one.

        Per label: Cohen's κ for every rater pair, Fleiss' κ, Krippendorff's α, the model's \
        agreement (percent and κ) with each rater and with the majority. Labels whose name \
        contains 'needle' are ordinal (quadratic-weighted κ beside the unweighted, ordinal α); \
        others nominal, unless --ordinal, --nominal or --levels say otherwise. Category order \
        for ordinal labels: --levels, else numeric or natural order (N1 < N2 < N10).

        Exit status: 0 analysed, 1 the file is missing or malformed (the message names the line).
        """)

    @Argument(help: "CSV file of labels (long or wide layout, see below).")
    var labels: String

    @Option(help: "Rater (long layout) or column (wide layout) holding the model's calls.")
    var modelColumn: String?

    @Option(name: .customLong("labels"), parsing: .upToNextOption,
            help: "Long layout: only these label columns (default: all but image, rater and bookkeeping).")
    var only: [String] = []

    @Option(help: "Wide layout: the name of its one label (say 'needle_class' to make it ordinal).")
    var label = AgreementOptions().label

    @Option(help: "Treat this label as ordinal (repeatable).")
    var ordinal: [String] = []

    @Option(help: "Treat this label as nominal (repeatable).")
    var nominal: [String] = []

    @Option(help: "Categories of an ordinal label, lowest first: LABEL=a,b,c (repeatable).")
    var levels: [String] = []

    @Flag(help: "Machine-readable JSON on stdout.")
    var json = false

    var options: AgreementOptions {
        var o = AgreementOptions()
        o.modelColumn = modelColumn
        o.labels = only
        o.label = label
        o.ordinal = ordinal
        o.nominal = nominal
        o.levels = levels
        return o
    }

    func validate() throws { try usage { try options.validate() } }

    func run() throws {
        let result: AgreementOptions.Result
        do {
            result = try options.analyse(path: labels)
        } catch {
            throw fail(error)
        }
        let (file, model, humans, analyses) = (result.file, result.model, result.humans, result.analyses)
        if json {
            var o: JSONObject = ["file": .string(labels), "layout": .string(file.layout.rawValue),
                                 "images": .int(file.images), "raters": .array(humans.map(JSONValue.string))]
            o["model"] = model.map(JSONValue.string) ?? .null
            o["labels"] = .array(analyses.map { .object($0.json) })
            print(JSONValue.object(o).serialized(pretty: true))
            return
        }
        var header = "\(labels): \(file.layout.rawValue) layout, \(file.images) images, \(humans.count) raters (\(humans.joined(separator: ", ")))"
        header += model.map { ", model: \($0)" } ?? ", no model column"
        print(header)
        for a in analyses { print("\n" + Self.trimmed(Self.render(a)), terminator: "") }
    }

    // MARK: - Text

    static func render(_ a: RoundRobinAnalysis) -> String {
        var out = "\(a.label) — \(a.scale.rawValue), \(a.categories.count) categories (\(a.categories.joined(separator: ", "))), \(a.images) images\n"
        if a.raters.count >= 2 {
            out += "  Cohen's κ, unweighted, rater pairs:\n" + matrix(a.raters, a.pairs, \.kappa)
            if a.scale == .ordinal {
                out += "  Cohen's κ, quadratic-weighted, rater pairs:\n" + matrix(a.raters, a.pairs, \.quadraticKappa)
            }
            out += row("mean rater-pair κ" + (a.scale == .ordinal ? " (quadratic)" : ""), kappa(a.meanRaterKappa), "")
            let perImage = a.fleiss.ratingsPerUnit.map { $0.count == 1 ? "\($0.lowerBound) ratings each" : "\($0.lowerBound)–\($0.upperBound) ratings" } ?? "no ratings"
            out += row("Fleiss' κ", kappa(a.fleiss.kappa), "(\(a.fleiss.units) images, \(perImage))")
            out += row("Krippendorff's α (\(a.alpha.metric.rawValue))", kappa(a.alpha.alpha),
                       "(\(a.alpha.units) images, \(a.alpha.pairableValues) pairable values)")
        } else {
            out += "  one rater: nothing to compare\n"
        }
        guard let model = a.model else { return out }
        let ordinal = a.scale == .ordinal
        out += "  \(model) vs".padding(toLength: 30, withPad: " ", startingAt: 0) + "agreement  κ" + (ordinal ? "       κ quadratic" : "") + "\n"
        var rows = a.modelVsRaters
        if let m = a.modelVsMajority { rows.append(m) }
        for p in rows {
            var line = "    \(p.second)".padding(toLength: 30, withPad: " ", startingAt: 0)
            line += (p.count > 0 ? String(format: "%5.1f %%", 100 * p.agreement) : "    —  ").padding(toLength: 11, withPad: " ", startingAt: 0)
            line += kappa(p.kappa).padding(toLength: 8, withPad: " ", startingAt: 0)
            if ordinal { line += kappa(p.quadraticKappa).padding(toLength: 12, withPad: " ", startingAt: 0) }
            line += "(\(p.count) images\(p.second == "majority" && a.imagesWithoutMajority > 0 ? "; \(a.imagesWithoutMajority) without a majority" : ""))"
            out += line + "\n"
        }
        if let mm = a.meanModelKappa, let mr = a.meanRaterKappa {
            let verdict = mm >= mr ? "at least as well as" : "less well than"
            out += "  mean model–rater κ \(kappa(mm)) vs mean rater-pair κ \(kappa(mr)): the model agrees with the raters \(verdict) they agree with each other\n"
        }
        return out
    }

    /// Padding leaves trailing blanks; terminals and diff tools are happier without them.
    static func trimmed(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in String(line.reversed().drop { $0 == " " }.reversed()) }
            .joined(separator: "\n")
    }

    static func matrix(_ raters: [String], _ pairs: [PairAgreement], _ value: KeyPath<PairAgreement, Double?>) -> String {
        let width = max(8, (raters.map(\.count).max() ?? 0) + 2)
        // Each cell looks its pair up by rater index, so the matrix costs one step per cell
        // (searching `pairs` per cell made 500 raters take minutes).
        let n = raters.count
        var index: [String: Int] = [:]
        for (i, r) in raters.enumerated() where index[r] == nil { index[r] = i }
        var cells = [PairAgreement?](repeating: nil, count: n * n)
        for p in pairs {
            guard let i = index[p.first], let j = index[p.second] else { continue }
            if cells[i * n + j] == nil { cells[i * n + j] = p }
            if cells[j * n + i] == nil { cells[j * n + i] = p }
        }
        var out = "    " + "".padding(toLength: width, withPad: " ", startingAt: 0)
            + raters.map { $0.padding(toLength: width, withPad: " ", startingAt: 0) }.joined() + "\n"
        for (i, r) in raters.enumerated() {
            out += "    " + r.padding(toLength: width, withPad: " ", startingAt: 0)
            for (j, c) in raters.enumerated() {
                let cell: String
                if r == c {
                    cell = "—"
                } else {
                    let p = cells[(index[r] ?? i) * n + (index[c] ?? j)]  // a repeated name reads its first row, as before
                    cell = kappa(p?[keyPath: value])
                }
                out += cell.padding(toLength: width, withPad: " ", startingAt: 0)
            }
            out += "\n"
        }
        return out
    }

    static func row(_ name: String, _ value: String, _ note: String) -> String {
        "  " + name.padding(toLength: 34, withPad: " ", startingAt: 0) + value.padding(toLength: 8, withPad: " ", startingAt: 0) + note + "\n"
    }

    /// Three decimals; "n/a" where the statistic is undefined (e.g. one category throughout).
    static func kappa(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "n/a" }
        return String(format: "%.3f", v)
    }
}
