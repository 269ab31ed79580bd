// The per-tile results of one slide as a CSV (`tiles.csv`): position in level-0 pixels, tissue
// fraction, predicted class, one probability column per class and, with a MIL model, the tile's
// attention weight. Heatmaps are re-rendered from this file, so the model never has to run
// again for a new colouring.

import Foundation
import Shared

public struct TileScoreTable: Equatable, Sendable {
    public struct Row: Equatable, Sendable {
        public var tile: SlideTile
        public var probabilities: [Double]
        /// The tile's attention weight in the slide's MIL embedding (weights sum to 1 over the slide).
        public var attention: Double?
        public init(tile: SlideTile, probabilities: [Double], attention: Double? = nil) {
            self.tile = tile; self.probabilities = probabilities; self.attention = attention
        }
        public var label: Int { probabilities.indices.max { probabilities[$0] < probabilities[$1] } ?? 0 }

        public init(tile: SlideTile, probabilities: [Double]) { self.tile = tile; self.probabilities = probabilities }
    }

    public var classes: [String]
    public var rows: [Row]

    public init(classes: [String], rows: [Row]) {
        self.classes = classes
        self.rows = rows
    }

    /// Whether the rows carry attention weights (all of them do, or none).
    public var hasAttention: Bool { !rows.isEmpty && rows.allSatisfy { $0.attention != nil } }

    public var csv: String {
        let attention = hasAttention
        var s = "index,row,column,x,y,width,height,tissue_fraction,label," + classes.map { "p_" + Self.field($0) }.joined(separator: ",")
        s += (attention ? ",attention" : "") + "\n"
        for r in rows {
            let t = r.tile
            s += "\(t.index),\(t.row),\(t.column),\(t.x),\(t.y),\(t.width),\(t.height),\(String(format: "%.4f", t.tissueFraction)),"
            s += Self.field(classes[r.label]) + "," + r.probabilities.map { String(format: "%.6f", $0) }.joined(separator: ",")
            s += (attention ? "," + String(format: "%.8f", r.attention ?? 0) : "") + "\n"
        }
        return s
    }

    /// Reads a `tiles.csv` written by `csv`; any malformed line is an error naming the file and line.
    public init(csv text: String, file: String) throws {
        let lines = text.split(whereSeparator: \.isNewline).map(String.init)
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false).map(String.init),
              header.count >= 10, Array(header.prefix(9)) == ["index", "row", "column", "x", "y", "width", "height", "tissue_fraction", "label"],
              header.dropFirst(9).dropLast(header.last == "attention" ? 1 : 0).allSatisfy({ $0.hasPrefix("p_") }) else {
            throw ReticleError(.corrupt, file: file, "not a tiles.csv: the header is not index,row,column,x,y,width,height,tissue_fraction,label,p_<class>...[,attention]")
        }
        let attention = header.last == "attention"
        classes = header.dropFirst(9).dropLast(attention ? 1 : 0).map { String($0.dropFirst(2)) }
        guard !classes.isEmpty else { throw ReticleError(.corrupt, file: file, "not a tiles.csv: no p_<class> column") }
        rows = []
        for (n, line) in lines.dropFirst().enumerated() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let ints = f.prefix(7).compactMap { Int($0) }
            let probs = f.dropFirst(9).prefix(classes.count).compactMap { Double($0) }
            let weight = attention && f.count == header.count ? Double(f[header.count - 1]) : nil
            guard f.count == header.count, ints.count == 7, let frac = Double(f[7]), probs.count == classes.count,
                  ints[5] > 0, ints[6] > 0, !attention || weight?.isFinite == true else {
                throw ReticleError(.corrupt, file: file, "line \(n + 2) is not a tile row")
            }
            rows.append(Row(tile: SlideTile(index: ints[0], row: ints[1], column: ints[2], x: ints[3], y: ints[4],
                                            width: ints[5], height: ints[6], tissueFraction: frac), probabilities: probs, attention: weight))
        }
    }

    /// Class names go into a comma-separated file: anything but letters, digits, - and _ becomes _.
    static func field(_ s: String) -> String {
        String(s.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
    }
}
