// Fills empty cells of a raster from the filled cells around them, weighted by 1/distance^power:
// the search ring grows until `neighbours` filled cells are found or `maxRadius` is reached, so
// small gaps between LiDAR returns take local values and large voids the nearest ones.

import Foundation
import Shared

public struct InverseDistanceFill: Sendable, Codable, Equatable {
    public var power: Double = 2
    public var neighbours: Int = 8
    /// In pixels; cells with no filled cell this close take the mean of all filled cells.
    public var maxRadius: Int = 16

    public init(power: Double = 2, neighbours: Int = 8, maxRadius: Int = 16) {
        self.power = power
        self.neighbours = neighbours
        self.maxRadius = maxRadius
    }

    /// `values` is lines × samples row-major; `filled[i]` says which cells hold data. Returns the filled raster.
    public func fill(_ values: [Float], filled: [Bool], samples: Int, lines: Int) -> [Float] {
        precondition(values.count == samples * lines && filled.count == values.count)
        var out = values
        let known = filled.enumerated().filter(\.element).map(\.offset)
        guard !known.isEmpty else { return [Float](repeating: 0, count: values.count) }
        let fallback = Float(known.reduce(0.0) { $0 + Double(values[$1]) } / Double(known.count))
        let empties = (0..<values.count).filter { !filled[$0] }
        // The body cannot throw, so neither can the loop.
        let results = try! parallelMap(count: empties.count, workers: 0) { k -> Float in
            let cell = empties[k]
            let (cy, cx) = (cell / samples, cell % samples)
            var found: [(d2: Int, v: Float)] = []
            var r = 1
            while r <= maxRadius {
                // The ring at Chebyshev distance r.
                for y in Swift.max(0, cy - r)...Swift.min(lines - 1, cy + r) {
                    let edge = y == cy - r || y == cy + r
                    let xs: [Int] = edge ? Array(Swift.max(0, cx - r)...Swift.min(samples - 1, cx + r))
                                         : [cx - r, cx + r].filter { $0 >= 0 && $0 < samples }
                    for x in xs where filled[y * samples + x] {
                        found.append(((y - cy) * (y - cy) + (x - cx) * (x - cx), values[y * samples + x]))
                    }
                }
                if found.count >= neighbours { break }
                r += 1
            }
            guard !found.isEmpty else { return fallback }
            found.sort { $0.d2 < $1.d2 }
            var num = 0.0, den = 0.0
            for f in found.prefix(neighbours) {
                let w = 1 / Foundation.pow(Double(f.d2).squareRoot(), power)
                num += w * Double(f.v)
                den += w
            }
            return Float(num / den)
        }
        for (cell, v) in zip(empties, results) { out[cell] = v }
        return out
    }
}
