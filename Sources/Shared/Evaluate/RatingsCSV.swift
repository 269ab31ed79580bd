// Reading round-robin labels from a CSV file, in one of two layouts:
//   long: image,rater,type,needle_class     one row per image and rater, one column per label
//   wide: image,alice,bob,carol,model       one row per image, one column per rater, one label
// The layout is long when the header has a `rater` column. Fields follow RFC 4180 (quotes,
// doubled quotes, line breaks inside quotes); `;` or tab separators are accepted when the
// header has no comma. Empty cells are missing ratings. Every error names the file and line.

import Foundation

public struct RatingsCSV: Equatable, Sendable {
    public enum Layout: String, Codable, Sendable {
        case long, wide
    }

    /// One label column and its ratings.
    public struct Label: Equatable, Sendable {
        public let name: String
        public let table: RatingTable
    }

    public struct Options: Sendable {
        /// Long layout: the label columns to read (default: every column but image, rater and
        /// the bookkeeping columns `specimen`, `comment(s)`, `note(s)`).
        public var labelColumns: [String]?
        /// Wide layout: what the single label is called in reports.
        public var wideLabel: String
        /// Categories in order per label (an ordinal scale's levels); values outside them are errors.
        /// Labels not listed get `RatingTable.naturalOrder`.
        public var levels: [String: [String]]

        public init(labelColumns: [String]? = nil, wideLabel: String = "label", levels: [String: [String]] = [:]) {
            self.labelColumns = labelColumns
            self.wideLabel = wideLabel
            self.levels = levels
        }
    }

    public let path: String
    public let layout: Layout
    public let labels: [Label]
    /// Every rater (and model) named in the file, in first-seen order.
    public let raters: [String]
    /// Distinct images in the file.
    public let images: Int

    static let bookkeeping: Set<String> = ["specimen", "comment", "comments", "note", "notes"]

    /// Reads and checks `path`.
    /// - Throws: `ReticleError(.io)` when it cannot be read; `ReticleError(.usage)` naming the
    ///   file and line for missing columns, ragged rows, duplicate ratings and unknown levels.
    public init(path: String, options: Options = Options()) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReticleError(.io, file: path, "cannot read the labels file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ReticleError(.usage, file: path, "not UTF-8 text: expected a CSV file of labels")
        }
        try self.init(text: text, path: path, options: options)
    }

    public init(text: String, path: String, options: Options = Options()) throws {
        self.path = path
        func fail(_ line: Int?, _ reason: String) -> ReticleError {
            ReticleError(.usage, file: path, line.map { "line \($0): \(reason)" } ?? reason)
        }
        let rows = try Self.records(text, path: path)
        guard let header = rows.first else { throw fail(nil, "is empty: expected a header line (image,rater,type,needle_class)") }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        var seen: [String: Int] = [:]
        for (i, n) in names.enumerated() {
            if n.isEmpty { throw fail(header.line, "column \(i + 1) of the header has no name") }
            if seen[n.lowercased()] != nil { throw fail(header.line, "column '\(n)' appears twice in the header") }
            seen[n.lowercased()] = i
        }
        guard let imageColumn = seen["image"] else {
            throw fail(header.line, "no 'image' column (the header has \(names.joined(separator: ", ")))")
        }
        for row in rows.dropFirst() where row.fields.count != names.count {
            throw fail(row.line, "\(row.fields.count) fields, the header has \(names.count)")
        }
        let body = rows.dropFirst()
        images = Set(body.map { $0.fields[imageColumn].trimmingCharacters(in: .whitespaces) }).count

        // (label name, column) pairs and, per row, who rated: the rater column (long) or the column (wide).
        var triples: [String: [(unit: String, rater: String, category: String)]] = [:]
        var labelOrder: [String] = []
        var raters: [String] = []
        var raterSeen = Set<String>()
        func noteRater(_ r: String) { if raterSeen.insert(r).inserted { raters.append(r) } }
        func check(_ value: String, label: String, line: Int) throws {
            if let levels = options.levels[label], !levels.contains(value) {
                throw fail(line, "\(label) '\(value)' is not one of the levels \(levels.joined(separator: ", "))")
            }
        }

        if let raterColumn = seen["rater"] {
            layout = .long
            let labelColumns: [Int]
            if let wanted = options.labelColumns {
                labelColumns = try wanted.map { w in
                    guard let c = seen[w.lowercased()] else {
                        throw fail(header.line, "no '\(w)' column (the header has \(names.joined(separator: ", ")))")
                    }
                    return c
                }
            } else {
                labelColumns = names.indices.filter {
                    $0 != imageColumn && $0 != raterColumn && !Self.bookkeeping.contains(names[$0].lowercased())
                }
            }
            guard !labelColumns.isEmpty else {
                throw fail(header.line, "no label columns: expected image,rater and one or more labels such as type,needle_class")
            }
            labelOrder = labelColumns.map { names[$0] }
            var firstLine: [String: Int] = [:]
            for row in body {
                let image = row.fields[imageColumn].trimmingCharacters(in: .whitespaces)
                let rater = row.fields[raterColumn].trimmingCharacters(in: .whitespaces)
                if image.isEmpty { throw fail(row.line, "the image is empty") }
                if rater.isEmpty { throw fail(row.line, "the rater is empty") }
                let key = image + "\u{1F}" + rater
                if let earlier = firstLine[key] {
                    throw fail(row.line, "rater '\(rater)' rated image '\(image)' twice (also line \(earlier))")
                }
                firstLine[key] = row.line
                noteRater(rater)
                for c in labelColumns {
                    let value = row.fields[c].trimmingCharacters(in: .whitespaces)
                    guard !value.isEmpty else { continue }
                    try check(value, label: names[c], line: row.line)
                    triples[names[c], default: []].append((image, rater, value))
                }
            }
        } else {
            layout = .wide
            let raterColumns = names.indices.filter { $0 != imageColumn && !Self.bookkeeping.contains(names[$0].lowercased()) }
            guard !raterColumns.isEmpty else {
                throw fail(header.line, "no rater columns: expected image,rater,<labels> (long) or image,<rater>,<rater>,… (wide)")
            }
            let label = options.wideLabel
            labelOrder = [label]
            var firstLine: [String: Int] = [:]
            for c in raterColumns { noteRater(names[c]) }
            for row in body {
                let image = row.fields[imageColumn].trimmingCharacters(in: .whitespaces)
                if image.isEmpty { throw fail(row.line, "the image is empty") }
                if let earlier = firstLine[image] { throw fail(row.line, "image '\(image)' appears twice (also line \(earlier))") }
                firstLine[image] = row.line
                for c in raterColumns {
                    let value = row.fields[c].trimmingCharacters(in: .whitespaces)
                    guard !value.isEmpty else { continue }
                    try check(value, label: label, line: row.line)
                    triples[label, default: []].append((image, names[c], value))
                }
            }
        }
        guard !body.isEmpty else { throw fail(nil, "has a header but no ratings") }
        self.raters = raters
        labels = try labelOrder.map { name in
            let t = triples[name] ?? []
            return Label(name: name, table: try RatingTable(ratings: t, categories: options.levels[name]))
        }
    }

    // MARK: - CSV records

    /// Non-blank records with the line each starts on, by the rules above (also used for other
    /// label files, e.g. the grading dataset's). A UTF-8 byte-order mark is dropped.
    /// - Throws: `ReticleError(.usage)` naming `path` and the line for a quote never closed.
    public static func records(_ text: String, path: String) throws -> [(line: Int, fields: [String])] {
        var chars = Array(text.unicodeScalars)
        if chars.first == "\u{FEFF}" { chars.removeFirst() }
        let firstLine = chars.prefix { $0 != "\n" && $0 != "\r" }
        let separator: Unicode.Scalar = firstLine.contains(",") ? "," : firstLine.contains(";") ? ";" : firstLine.contains("\t") ? "\t" : ","

        var out: [(Int, [String])] = []
        var fields: [String] = []
        var field = String.UnicodeScalarView()
        var line = 1, recordLine = 1
        var quoted = false, quoteLine = 0
        var i = 0
        func endRecord() {
            fields.append(String(field))
            field = String.UnicodeScalarView()
            if !(fields.count == 1 && fields[0].trimmingCharacters(in: .whitespaces).isEmpty) {
                out.append((recordLine, fields))
            }
            fields = []
        }
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < chars.count && chars[i + 1] == "\"" { field.append("\""); i += 1 } else { quoted = false }
                } else {
                    if c == "\n" { line += 1 }
                    field.append(c)
                }
            } else if c == "\"" && String(field).trimmingCharacters(in: .whitespaces).isEmpty {
                field = String.UnicodeScalarView()
                quoted = true
                quoteLine = line
            } else if c == separator {
                fields.append(String(field))
                field = String.UnicodeScalarView()
            } else if c == "\n" || c == "\r" {
                if c == "\r" && i + 1 < chars.count && chars[i + 1] == "\n" { i += 1 }
                endRecord()
                line += 1
                recordLine = line
            } else {
                field.append(c)
            }
            i += 1
        }
        if quoted { throw ReticleError(.usage, file: path, "line \(quoteLine): a quoted field is never closed") }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        return out
    }
}
