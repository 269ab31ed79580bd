// Writes points as an ASPRS LAS 1.2 file, point format 1 (XYZ, intensity, returns, class, GPS
// time), for generated scenes and tests: what LasPointCloud reads back.

import Foundation
import Shared

public struct LasWritePoint: Sendable {
    public var x, y, z: Double
    public var intensity: UInt16
    public var returnNumber: UInt8
    public var numberOfReturns: UInt8
    public var classification: UInt8

    public init(x: Double, y: Double, z: Double, intensity: UInt16 = 0, returnNumber: UInt8 = 1,
                numberOfReturns: UInt8 = 1, classification: UInt8 = 1) {
        self.x = x; self.y = y; self.z = z; self.intensity = intensity
        self.returnNumber = returnNumber; self.numberOfReturns = numberOfReturns; self.classification = classification
    }
}

public enum LasWriter {
    /// Coordinates are stored as integers × `scale` + an offset at the points' minimum.
    public static func write(_ points: [LasWritePoint], to path: String, scale: Double = 0.01) throws {
        guard !points.isEmpty, points.count <= Int(UInt32.max) else {
            throw ReticleError(.usage, file: path, "a LAS file needs 1…\(UInt32.max) points, got \(points.count)")
        }
        let mins = [points.map(\.x).min()!, points.map(\.y).min()!, points.map(\.z).min()!]
        let maxs = [points.map(\.x).max()!, points.map(\.y).max()!, points.map(\.z).max()!]
        let offset = mins.map { ($0 / 1000).rounded(.down) * 1000 }
        for d in 0..<3 where (maxs[d] - offset[d]) / scale >= Double(Int32.max) {
            throw ReticleError(.usage, file: path, "coordinates span too far for a scale of \(scale)")
        }
        var b = [UInt8]()
        func u8(_ v: UInt8) { b.append(v) }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { b += $0 } }
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { b += $0 } }
        func i32(_ v: Int32) { withUnsafeBytes(of: v.littleEndian) { b += $0 } }
        func f64(_ v: Double) { withUnsafeBytes(of: v.bitPattern.littleEndian) { b += $0 } }
        func text(_ s: String, _ n: Int) { let t = Array(s.utf8.prefix(n)); b += t + [UInt8](repeating: 0, count: n - t.count) }
        text("LASF", 4); u16(0); u16(0); u32(0); u16(0); u16(0); b += [UInt8](repeating: 0, count: 8)
        u8(1); u8(2); text("Reticle", 32); text("reticle remote synth", 32)
        u16(1); u16(2026); u16(227); u32(227); u32(0); u8(1); u16(28); u32(UInt32(points.count))
        var byReturn = [UInt32](repeating: 0, count: 5)
        for p in points where (1...5).contains(p.returnNumber) { byReturn[Int(p.returnNumber) - 1] += 1 }
        byReturn.forEach(u32)
        for _ in 0..<3 { f64(scale) }
        offset.forEach(f64)
        for d in 0..<3 { f64(maxs[d]); f64(mins[d]) }
        precondition(b.count == 227)
        for p in points {
            i32(Int32(((p.x - offset[0]) / scale).rounded()))
            i32(Int32(((p.y - offset[1]) / scale).rounded()))
            i32(Int32(((p.z - offset[2]) / scale).rounded()))
            u16(p.intensity)
            u8((p.returnNumber & 7) | (p.numberOfReturns & 7) << 3)
            u8(p.classification & 31)
            u8(0); u8(0); u16(0); f64(0)
        }
        try AtomicFile.write(Data(b), to: URL(fileURLWithPath: path))
    }
}
