// A line chart in the unit square as inline SVG: ROC curves (false- against true-positive rate)
// and reliability diagrams (confidence against accuracy), each with the diagonal a chance-level
// or perfectly calibrated model would follow.

import Foundation

public struct SVGLineChart: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    /// (x, y) in 0…1, drawn in order.
    public var points: [(x: Double, y: Double)]
    /// Draw markers at the points (a reliability diagram's bins) rather than only the line.
    public var markers: Bool
    public var size = 300

    public init(title: String, xLabel: String, yLabel: String, points: [(x: Double, y: Double)], markers: Bool = false) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.points = points; self.markers = markers
    }

    public var svg: String {
        let e = HTMLReport.escape
        let left = 44, top = 28, plot = size
        let width = left + plot + 12, height = top + plot + 40
        func px(_ x: Double) -> String { String(format: "%.1f", Double(left) + min(max(x, 0), 1) * Double(plot)) }
        func py(_ y: Double) -> String { String(format: "%.1f", Double(top) + (1 - min(max(y, 0), 1)) * Double(plot)) }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-label=\"\(e(title))\">"
        out += "<text x=\"0\" y=\"16\" font-size=\"14\" font-weight=\"bold\">\(e(title))</text>"
        out += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plot)\" height=\"\(plot)\" fill=\"none\" stroke=\"#888\"/>"
        out += "<line x1=\"\(px(0))\" y1=\"\(py(0))\" x2=\"\(px(1))\" y2=\"\(py(1))\" stroke=\"#bbb\" stroke-dasharray=\"4 3\"/>"
        for t in [0.0, 0.5, 1.0] {
            out += "<text x=\"\(px(t))\" y=\"\(top + plot + 14)\" font-size=\"11\" text-anchor=\"middle\">\(t)</text>"
            out += "<text x=\"\(left - 4)\" y=\"\(py(t))\" font-size=\"11\" text-anchor=\"end\">\(t)</text>"
        }
        out += "<text x=\"\(left + plot / 2)\" y=\"\(top + plot + 32)\" font-size=\"12\" text-anchor=\"middle\">\(e(xLabel))</text>"
        out += "<text x=\"12\" y=\"\(top + plot / 2)\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 12 \(top + plot / 2))\">\(e(yLabel))</text>"
        if !points.isEmpty {
            out += "<polyline fill=\"none\" stroke=\"#c0392b\" stroke-width=\"2\" points=\"" + points.map { "\(px($0.x)),\(py($0.y))" }.joined(separator: " ") + "\"/>"
            if markers { for p in points { out += "<circle cx=\"\(px(p.x))\" cy=\"\(py(p.y))\" r=\"3\" fill=\"#c0392b\"/>" } }
        }
        return out + "</svg>"
    }
}
