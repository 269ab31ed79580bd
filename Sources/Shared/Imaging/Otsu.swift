// Otsu's global threshold: the one copy every domain uses (grain boundaries in steel, tissue
// against glass in slides).

import Foundation

public enum Otsu {
    /// The threshold in 0...1 that maximises the between-class variance of `values` (assumed in
    /// 0...1, clamped) over 256 bins. Values above it are the "foreground" class.
    public static func threshold(_ values: [Float]) -> Float {
        var hist = [Double](repeating: 0, count: 256)
        for x in values { hist[Int(max(0, min(255, (x * 255).rounded())))] += 1 }
        return Float(threshold(histogram: hist)) / 255
    }

    /// Otsu's bin over any histogram: the last bin of the lower class.
    public static func threshold(histogram hist: [Double]) -> Int {
        let total = hist.reduce(0, +)
        let sumAll = hist.enumerated().reduce(0.0) { $0 + Double($1.offset) * $1.element }
        var wB = 0.0, sumB = 0.0, best = -1.0, bestT = (hist.count - 1) / 2
        for t in 0..<hist.count {
            wB += hist[t]
            if wB == 0 { continue }
            let wF = total - wB
            if wF == 0 { break }
            sumB += Double(t) * hist[t]
            let mB = sumB / wB, mF = (sumAll - sumB) / wF
            let between = wB * wF * (mB - mF) * (mB - mF)
            if between > best { best = between; bestT = t }
        }
        return bestT
    }
}
