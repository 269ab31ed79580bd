// Stain normalisation of H&E tiles towards a reference image: Reinhard (mean and spread of
// L*a*b* matched) or Macenko (stain vectors from the optical-density plane, concentrations
// rescaled to the reference's), or none. The fitted parameters are plain numbers, stored in the
// model file's manifest, so a model normalises at inference exactly as it did in training.
// A tile where Macenko cannot estimate two stains (glass, saturated, one stain only) gets
// Reinhard instead and the caller counts it; nothing aborts.

import Foundation
import Shared

public struct StainNormalizer: Codable, Equatable, Sendable {
    public enum Method: String, Codable, Sendable, CaseIterable { case none, reinhard, macenko }

    public var method: Method
    /// Reference L*a*b* mean and standard deviation (always fitted when a reference is given:
    /// it is Macenko's fallback too).
    public var labMean: [Float]
    public var labStd: [Float]
    /// Macenko: reference stain vectors in OD space, haematoxylin then eosin, rows of 3.
    public var stainMatrix: [[Float]]
    /// Macenko: 99th percentile of the reference's two concentrations.
    public var maxConcentrations: [Float]

    public static let identity = StainNormalizer(method: .none, labMean: [], labStd: [], stainMatrix: [], maxConcentrations: [])

    public init(method: Method, labMean: [Float], labStd: [Float], stainMatrix: [[Float]], maxConcentrations: [Float]) {
        self.method = method; self.labMean = labMean; self.labStd = labStd
        self.stainMatrix = stainMatrix; self.maxConcentrations = maxConcentrations
    }

    /// Fits `method` on an RGB uint8 `reference`. Throws `.usage` naming `file` when Macenko finds no two stains in it.
    public static func fit(_ method: Method, reference: Image, file: String? = nil) throws -> StainNormalizer {
        guard method != .none else { return .identity }
        let px = try rgb(reference, file: file)
        let (mean, std) = labStatistics(px)
        var n = StainNormalizer(method: method, labMean: mean, labStd: std, stainMatrix: [], maxConcentrations: [])
        if method == .macenko {
            guard let he = MacenkoEstimate(px) else {
                throw ReticleError(.usage, file: file, "the stain reference shows no two stains (Macenko needs an H&E image with tissue)")
            }
            n.stainMatrix = he.stains
            n.maxConcentrations = he.maxConcentrations
        }
        return n
    }

    /// Checks parameters read from a model file.
    public func validate(file: String?) throws {
        let ok: Bool
        switch method {
        case .none: ok = true
        case .reinhard: ok = labMean.count == 3 && labStd.count == 3
        case .macenko: ok = labMean.count == 3 && labStd.count == 3 && stainMatrix.count == 2 && stainMatrix.allSatisfy { $0.count == 3 }
            && maxConcentrations.count == 2
        }
        let finite = (labMean + labStd + stainMatrix.flatMap { $0 } + maxConcentrations).allSatisfy(\.isFinite)
        guard ok && finite else { throw ReticleError(.corrupt, file: file, "stain normaliser parameters in the model are incomplete for \(method.rawValue)") }
    }

    /// The normalised tile and whether Macenko fell back to Reinhard for it.
    public func apply(_ image: Image) -> (image: Image, fellBack: Bool) {
        guard method != .none, case .uint8(let px) = image.storage, image.channels == 3 else { return (image, false) }
        var out: [UInt8]
        var fellBack = false
        if method == .macenko, let source = MacenkoEstimate(px) {
            out = macenko(px, source: source)
        } else {
            fellBack = method == .macenko
            out = reinhard(px)
        }
        return (Image(width: image.width, height: image.height, channels: 3, storage: .uint8(out)), fellBack)
    }

    func reinhard(_ px: [UInt8]) -> [UInt8] {
        let (mean, std) = Self.labStatistics(px)
        var out = px
        for i in 0..<(px.count / 3) {
            let lab = ColorSpace.lab(px[3 * i], px[3 * i + 1], px[3 * i + 2])
            var v = [lab.l, lab.a, lab.b]
            for c in 0..<3 {
                // A flat channel (glass) is shifted, not stretched: dividing by ~0 would amplify noise.
                let scale = std[c] > 1e-3 ? labStd[c] / std[c] : 1
                v[c] = (v[c] - mean[c]) * scale + labMean[c]
            }
            let (r, g, b) = ColorSpace.rgb(l: v[0], a: v[1], b: v[2])
            out[3 * i] = r; out[3 * i + 1] = g; out[3 * i + 2] = b
        }
        return out
    }

    func macenko(_ px: [UInt8], source: MacenkoEstimate) -> [UInt8] {
        let scale = (0..<2).map { source.maxConcentrations[$0] > 1e-6 ? maxConcentrations[$0] / source.maxConcentrations[$0] : 1 }
        var out = px
        for i in 0..<(px.count / 3) {
            let c = source.concentrations(px[3 * i], px[3 * i + 1], px[3 * i + 2])
            for ch in 0..<3 {
                let od = c.0 * scale[0] * stainMatrix[0][ch] + c.1 * scale[1] * stainMatrix[1][ch]
                out[3 * i + ch] = ColorSpace.intensity(opticalDensity: od)
            }
        }
        return out
    }

    static func labStatistics(_ px: [UInt8]) -> (mean: [Float], std: [Float]) {
        var sum = [Double](repeating: 0, count: 3), sq = [Double](repeating: 0, count: 3)
        let n = px.count / 3
        for i in 0..<n {
            let lab = ColorSpace.lab(px[3 * i], px[3 * i + 1], px[3 * i + 2])
            for (c, v) in [lab.l, lab.a, lab.b].enumerated() { sum[c] += Double(v); sq[c] += Double(v) * Double(v) }
        }
        let m = sum.map { $0 / Double(max(n, 1)) }
        let s = (0..<3).map { (max(0, sq[$0] / Double(max(n, 1)) - m[$0] * m[$0])).squareRoot() }
        return (m.map(Float.init), s.map(Float.init))
    }

    static func rgb(_ image: Image, file: String?) throws -> [UInt8] {
        guard case .uint8(let px) = image.storage, image.channels == 3 else {
            throw ReticleError(.unsupported, file: file, "stain normalisation needs an 8-bit RGB image, not \(image.channels) channels of \(image.sampleType.rawValue)")
        }
        return px
    }

    public var json: JSONValue {
        get throws { try JSONValue.parse(String(decoding: try JSONEncoder().encode(self), as: UTF8.self)) }
    }

    public init(json: JSONValue, file: String?) throws {
        do {
            self = try JSONDecoder().decode(StainNormalizer.self, from: Data(json.serialized().utf8))
        } catch {
            throw ReticleError(.corrupt, file: file, "stain normaliser in the model is not readable: \(error.localizedDescription)")
        }
        try validate(file: file)
    }
}
