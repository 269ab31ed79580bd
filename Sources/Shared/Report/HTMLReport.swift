// A self-contained report.html: summary lines, class-distribution bar charts as inline
// SVG, and a table of items with thumbnails and overlays (PNG files next to the report,
// linked relatively), the review queue first. Every text is escaped.

import Foundation

public struct HTMLReport: Sendable {
    /// One table row.
    public struct Row: Sendable {
        public var file: String
        public var ok: Bool
        public var needsReview: Bool
        public var reasons: [String]
        /// (column, value) pairs; columns are the union over rows, in first-seen order.
        public var cells: [(String, String)]
        /// Paths relative to the report.
        public var thumbnail: String?
        public var overlay: String?

        public init(file: String, ok: Bool, needsReview: Bool, reasons: [String] = [], cells: [(String, String)] = [],
                    thumbnail: String? = nil, overlay: String? = nil) {
            self.file = file; self.ok = ok; self.needsReview = needsReview; self.reasons = reasons
            self.cells = cells; self.thumbnail = thumbnail; self.overlay = overlay
        }
    }

    /// A bar chart of counts per class.
    public struct Distribution: Sendable {
        public var title: String
        public var counts: [(label: String, count: Int)]
        public init(title: String, counts: [(label: String, count: Int)]) { self.title = title; self.counts = counts }
    }

    public var title: String
    public var notes: [String]
    public var distributions: [Distribution]
    public var rows: [Row]
    /// An extra table (e.g. per specimen): header and rows of cells.
    public var extraTables: [(title: String, header: [String], rows: [[String]])]
    /// Inline SVG figures (ROC curve, reliability diagram) shown beside the distributions.
    public var figures: [String] = []

    public init(title: String, notes: [String] = [], distributions: [Distribution] = [], rows: [Row] = [],
                extraTables: [(title: String, header: [String], rows: [[String]])] = []) {
        self.title = title; self.notes = notes; self.distributions = distributions; self.rows = rows; self.extraTables = extraTables
    }

    /// Errors and review items first (they need a person), then the rest in input order.
    var orderedRows: [Row] {
        let rank: (Row) -> Int = { !$0.ok ? 0 : $0.needsReview ? 1 : 2 }
        return rows.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
    }

    public var html: String {
        let e = HTMLReport.escape
        var columns: [String] = []
        for r in rows { for (c, _) in r.cells where !columns.contains(c) { columns.append(c) } }
        var out = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(e(title))</title>
        <style>
        body{font-family:sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;margin:1em 0}
        td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top;font-size:13px}th{background:#f0f0f0}
        tr.review{background:#fff4d6}tr.error{background:#fde0e0}img{max-width:220px;max-height:220px}
        .charts{display:flex;flex-wrap:wrap;gap:2em}.reasons{color:#8a5a00}
        </style></head><body>
        <h1>\(e(title))</h1>

        """
        for n in notes { out += "<p>\(e(n))</p>\n" }
        let review = rows.filter { $0.ok && $0.needsReview }.count, errors = rows.filter { !$0.ok }.count
        out += "<p>\(rows.count) items: \(rows.count - review - errors) graded, \(review) in the review queue, \(errors) errors.</p>\n"
        if !distributions.isEmpty || !figures.isEmpty {
            out += "<div class=\"charts\">\n"
            for d in distributions { out += SVGBarChart(title: d.title, bars: d.counts).svg + "\n" }
            for f in figures { out += f + "\n" }
            out += "</div>\n"
        }
        out += "<h2>Items (review queue first)</h2>\n<table>\n<tr><th>file</th><th>status</th>"
        for c in columns { out += "<th>\(e(c))</th>" }
        // Image columns only when some row has such an image: a report must not promise overlays it lacks.
        let thumbnails = rows.contains { $0.thumbnail != nil }, overlays = rows.contains { $0.overlay != nil }
        out += (thumbnails ? "<th>thumbnail</th>" : "") + (overlays ? "<th>overlay</th>" : "") + "</tr>\n"
        for r in orderedRows {
            let cls = !r.ok ? "error" : r.needsReview ? "review" : "ok"
            let status = !r.ok ? "error" : r.needsReview ? "review" : "ok"
            out += "<tr class=\"\(cls)\"><td>\(e(r.file))</td><td>\(status)"
            if !r.reasons.isEmpty { out += "<div class=\"reasons\">" + r.reasons.map(e).joined(separator: "<br>") + "</div>" }
            out += "</td>"
            let cells = Dictionary(r.cells, uniquingKeysWith: { a, _ in a })
            for c in columns { out += "<td>\(e(cells[c] ?? ""))</td>" }
            if thumbnails { out += "<td>\(r.thumbnail.map { "<a href=\"\(e($0))\"><img src=\"\(e($0))\" alt=\"thumbnail\"></a>" } ?? "")</td>" }
            if overlays { out += "<td>\(r.overlay.map { "<a href=\"\(e($0))\"><img src=\"\(e($0))\" alt=\"Grad-CAM overlay\"></a>" } ?? "")</td>" }
            out += "</tr>\n"
        }
        out += "</table>\n"
        for t in extraTables {
            out += "<h2>\(e(t.title))</h2>\n<table>\n<tr>" + t.header.map { "<th>\(e($0))</th>" }.joined() + "</tr>\n"
            for row in t.rows { out += "<tr>" + row.map { "<td>\(e($0))</td>" }.joined() + "</tr>\n" }
            out += "</table>\n"
        }
        out += "</body></html>\n"
        return out
    }

    /// Writes `report.html` (or `url`) atomically.
    public func write(to url: URL) throws { try AtomicFile.write(html, to: url) }

    /// Escapes &, <, >, " and ' for text and attribute values.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
