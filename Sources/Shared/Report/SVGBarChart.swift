// A horizontal bar chart as inline SVG (no scripts, no external files), for class
// distributions in reports.

import Foundation

public struct SVGBarChart: Sendable {
    public var title: String
    public var bars: [(label: String, count: Int)]
    public var width = 360

    public init(title: String, bars: [(label: String, count: Int)]) { self.title = title; self.bars = bars }

    public var svg: String {
        let e = HTMLReport.escape
        let rowHeight = 22, top = 28, labelWidth = 130
        let height = top + rowHeight * max(bars.count, 1) + 8
        let maximum = max(bars.map(\.count).max() ?? 0, 1)
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-label=\"\(e(title))\">"
        out += "<text x=\"0\" y=\"16\" font-size=\"14\" font-weight=\"bold\">\(e(title))</text>"
        for (i, bar) in bars.enumerated() {
            let y = top + i * rowHeight
            let length = Int(Double(width - labelWidth - 40) * Double(bar.count) / Double(maximum))
            out += "<text x=\"0\" y=\"\(y + 15)\" font-size=\"12\">\(e(bar.label))</text>"
            out += "<rect x=\"\(labelWidth)\" y=\"\(y + 3)\" width=\"\(length)\" height=\"16\" fill=\"#4a7ab5\"/>"
            out += "<text x=\"\(labelWidth + length + 4)\" y=\"\(y + 15)\" font-size=\"12\">\(bar.count)</text>"
        }
        return out + "</svg>"
    }
}
