// What a model expects of a raster's bands, fitted on the training scene and stored in the model's
// manifest: bad bands dropped (named, plus constant or mostly non-finite ones), optional PCA, and
// per-band z-score normalisation. Applying it to another scene gives the same features.

import Foundation
import Shared

public struct BandPreprocessing: Codable, Equatable, Sendable {
    /// Bands of the raster it was fitted on.
    public var sourceBands: Int
    /// 0-based bands kept after bad-band removal.
    public var keptBands: [Int]
    /// Fitted on the kept bands when PCA was asked for.
    public var pca: PrincipalComponents?
    /// Per output band (kept band or PCA component).
    public var mean: [Float]
    public var std: [Float]
    public var outputBands: Int { mean.count }

    /// Fits on every pixel of `cube` whose value in each band is finite and not the no-data value.
    /// `badBands` are 0-based; `components` asks for PCA (nil keeps the bands).
    public static func fit(_ cube: HyperspectralCube, badBands: [Int] = [], components: Int? = nil) throws -> BandPreprocessing {
        let plane = cube.lines * cube.samples
        let skip = cube.noDataValue.map { Float($0) }
        var kept: [Int] = []
        for b in 0..<cube.bands where !badBands.contains(b) {
            let band = cube.values[(b * plane)..<((b + 1) * plane)]
            var n = 0, lo = Float.infinity, hi = -Float.infinity
            for v in band where v.isFinite && v != skip { n += 1; lo = min(lo, v); hi = max(hi, v) }
            // A band that is mostly missing or constant carries nothing a model can use.
            if n * 2 >= plane, hi > lo { kept.append(b) }
        }
        guard !kept.isEmpty else {
            throw ReticleError(.usage, file: cube.source, "every band is listed as bad, constant or mostly missing")
        }
        var prep = BandPreprocessing(sourceBands: cube.bands, keptBands: kept, pca: nil, mean: [], std: [])
        var features = prep.gather(cube)
        if let k = components {
            guard (1...kept.count).contains(k) else {
                throw ReticleError(.usage, "--pca must be 1…\(kept.count) components (bands kept), got \(k)")
            }
            // Fit on at most 50,000 evenly spaced pixels: the covariance is settled long before that.
            let step = max(1, plane / 50_000)
            let rows = stride(from: 0, to: plane, by: step).map { $0 }
            var sample = [Float](repeating: 0, count: rows.count * kept.count)
            for (i, p) in rows.enumerated() { for j in 0..<kept.count { sample[i * kept.count + j] = features[j * plane + p] } }
            let pca = try PrincipalComponents(data: sample, rows: rows.count, dimensions: kept.count, keep: k)
            prep.pca = pca
            features = prep.project(features, plane: plane)
        }
        let bands = features.count / plane
        for b in 0..<bands {
            var sum = 0.0, sq = 0.0
            for p in 0..<plane { let v = Double(features[b * plane + p]); sum += v; sq += v * v }
            let m = sum / Double(plane)
            prep.mean.append(Float(m))
            prep.std.append(Float(max((sq / Double(plane) - m * m).squareRoot(), 1e-12)))
        }
        return prep
    }

    /// The kept bands in BSQ order with missing samples (NaN, ±inf, no-data) set to the band's mean.
    func gather(_ cube: HyperspectralCube) -> [Float] {
        let plane = cube.lines * cube.samples
        let skip = cube.noDataValue.map { Float($0) }
        var out = [Float](repeating: 0, count: plane * keptBands.count)
        for (j, b) in keptBands.enumerated() {
            var sum = 0.0, n = 0
            for p in 0..<plane {
                let v = cube.values[b * plane + p]
                if v.isFinite && v != skip { sum += Double(v); n += 1 }
            }
            let fallback = n > 0 ? Float(sum / Double(n)) : 0
            for p in 0..<plane {
                let v = cube.values[b * plane + p]
                out[j * plane + p] = v.isFinite && v != skip ? v : fallback
            }
        }
        return out
    }

    func project(_ bsq: [Float], plane: Int) -> [Float] {
        guard let pca else { return bsq }
        let d = keptBands.count
        var rows = [Float](repeating: 0, count: plane * d)
        for j in 0..<d { for p in 0..<plane { rows[p * d + j] = bsq[j * plane + p] } }
        let projected = pca.project(rows, rows: plane)
        var out = [Float](repeating: 0, count: plane * pca.count)
        for k in 0..<pca.count { for p in 0..<plane { out[k * plane + p] = projected[p * pca.count + k] } }
        return out
    }

    /// The model's input bands for `cube` (outputBands × lines × samples, BSQ), normalised.
    public func apply(_ cube: HyperspectralCube) throws -> [Float] {
        guard cube.bands == sourceBands else {
            throw ReticleError(.usage, file: cube.source,
                               "the model was trained on \(sourceBands) bands; this raster has \(cube.bands)")
        }
        let plane = cube.lines * cube.samples
        var out = project(gather(cube), plane: plane)
        for b in 0..<outputBands {
            let (m, s) = (mean[b], std[b])
            for p in 0..<plane { out[b * plane + p] = (out[b * plane + p] - m) / s }
        }
        return out
    }
}
