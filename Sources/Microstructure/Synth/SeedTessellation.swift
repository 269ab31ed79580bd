// A Poisson–Voronoi tessellation evaluated on a pixel grid: for every pixel the nearest seed
// and the distance to the bisector with the second-nearest, i.e. to the cell boundary. The
// needle structures use it for prior-austenite grains, packets and sheaves.

import Foundation
import Shared

struct SeedTessellation: Sendable {
    let width: Int
    let height: Int
    /// Seed positions in pixel coordinates (pixel centres sit at i + 0.5); some lie outside the window.
    let seedX: [Double]
    let seedY: [Double]
    /// Row-major index of the nearest seed.
    let labels: [Int32]
    /// Row-major distance in px from the pixel centre to the boundary of its cell.
    let boundaryDistance: [Float]
    /// Seeds per px² of the generating process (N_A in pixel units).
    let intensityPerPx2: Double
    /// √(mean cell area) in px.
    var cellSide: Double { (1 / intensityPerPx2).squareRoot() }

    /// - Parameter meanCellAreaPx: 1/λ in px².
    init(width: Int, height: Int, meanCellAreaPx: Double, seed: UInt64) {
        precondition(width > 0 && height > 0 && meanCellAreaPx > 0, "empty field or cells")
        self.width = width
        self.height = height
        intensityPerPx2 = 1 / meanCellAreaPx
        var rng = SplitMix64(seed: seed)
        // Seeds beyond the window keep edge cells shaped as in an infinite tessellation.
        let cellSide = meanCellAreaPx.squareRoot()
        let pad = 3 * cellSide
        let spanX = Double(width) + 2 * pad, spanY = Double(height) + 2 * pad
        let count = max(2, VoronoiStructure.poisson(mean: spanX * spanY / meanCellAreaPx, &rng))
        var xs = [Double](repeating: 0, count: count), ys = xs
        for i in 0..<count {
            xs[i] = rng.nextUnit() * spanX - pad
            ys[i] = rng.nextUnit() * spanY - pad
        }
        seedX = xs
        seedY = ys

        // Bucket grid in CSR form: the two nearest seeds of a pixel lie within a few buckets.
        let bucket = max(4, cellSide)
        let gx = Int((spanX / bucket).rounded(.up)) + 1, gy = Int((spanY / bucket).rounded(.up)) + 1
        var start = [Int](repeating: 0, count: gx * gy + 1)
        var home = [Int](repeating: 0, count: count)
        for i in 0..<count {
            let b = min(gy - 1, Int((ys[i] + pad) / bucket)) * gx + min(gx - 1, Int((xs[i] + pad) / bucket))
            home[i] = b
            start[b + 1] += 1
        }
        for b in 0..<(gx * gy) { start[b + 1] += start[b] }
        var fill = start
        var members = [Int32](repeating: 0, count: count)
        for i in 0..<count { members[fill[home[i]]] = Int32(i); fill[home[i]] += 1 }

        var labels = [Int32](repeating: 0, count: width * height)
        var distance = [Float](repeating: 0, count: width * height)
        xs.withUnsafeBufferPointer { sx in
        ys.withUnsafeBufferPointer { sy in
        start.withUnsafeBufferPointer { st in
        members.withUnsafeBufferPointer { mem in
        labels.withUnsafeMutableBufferPointer { lab in
        distance.withUnsafeMutableBufferPointer { dist in
            for y in 0..<height {
                let py = Double(y) + 0.5
                let cy = Int((py + pad) / bucket)
                for x in 0..<width {
                    let px = Double(x) + 0.5
                    let cx = Int((px + pad) / bucket)
                    var bestD = Double.infinity, secondD = Double.infinity
                    var best = -1, second = -1
                    var ring = 0
                    while ring <= max(gx, gy) {
                        for by in (cy - ring)...(cy + ring) where by >= 0 && by < gy {
                            let edgeRow = by == cy - ring || by == cy + ring
                            var bx = cx - ring
                            while bx <= cx + ring {
                                if bx >= 0 && bx < gx {
                                    let b = by * gx + bx
                                    for k in st[b]..<st[b + 1] {
                                        let i = Int(mem[k])
                                        let dx = sx[i] - px, dy = sy[i] - py
                                        let d = dx * dx + dy * dy
                                        if d < bestD { second = best; secondD = bestD; best = i; bestD = d }
                                        else if d < secondD { second = i; secondD = d }
                                    }
                                }
                                // Inner rows of a ring hold only its two end buckets.
                                bx += edgeRow || ring == 0 ? 1 : 2 * ring
                            }
                        }
                        // Done once the second-nearest is closer than anything the next ring could hold.
                        if second >= 0, secondD.squareRoot() <= Double(ring) * bucket { break }
                        ring += 1
                    }
                    let p = y * width + x
                    lab[p] = Int32(best)
                    let sep = ((sx[best] - sx[second]) * (sx[best] - sx[second]) + (sy[best] - sy[second]) * (sy[best] - sy[second])).squareRoot()
                    dist[p] = Float((secondD - bestD) / (2 * max(sep, 1e-9)))
                }
            }
        }}}}}}
        self.labels = labels
        boundaryDistance = distance
    }
}
