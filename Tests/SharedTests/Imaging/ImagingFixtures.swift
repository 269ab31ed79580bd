// Small generated inputs for the imaging tests: seeded pixel patterns, a PSNR measure,
// and a byte-level TIFF builder for layouts our writer never produces (separate planes,
// palettes, MinIsWhite, 1-bit, signed samples, ImageJ descriptions, resolution tags).

import Foundation
import Shared
import TestSupport
import XCTest

enum ImagingFixtures {
    /// A smooth gradient plus seeded noise, so lossless codecs must be exact and JPEG has real content.
    static func pattern(width: Int, height: Int, channels: Int, type: SampleType, seed: UInt64 = 7) -> Image {
        var rng = SeededRandom(seed: seed)
        let n = width * height * channels
        var unit = [Double](repeating: 0, count: n)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels {
                    let smooth = (Double(x) / Double(max(width - 1, 1)) + Double(y) / Double(max(height - 1, 1))) / 2
                    let noise = Double(rng.next() % 1000) / 1000 * 0.1
                    unit[(y * width + x) * channels + c] = min(1, abs(smooth * 0.9 + noise - Double(c) * 0.05))
                }
            }
        }
        let storage: PixelStorage
        switch type {
        case .uint8: storage = .uint8(unit.map { UInt8(($0 * 255).rounded()) })
        case .uint16: storage = .uint16(unit.map { UInt16(($0 * 65535).rounded()) })
        case .float32: storage = .float32(unit.map { Float($0 * 1000 - 200) })
        }
        return Image(width: width, height: height, channels: channels, storage: storage)
    }

    /// Peak signal-to-noise ratio in dB for 8-bit images.
    static func psnr(_ a: Image, _ b: Image) -> Double {
        let x = a.floatPixels(normalized: false), y = b.floatPixels(normalized: false)
        precondition(x.count == y.count)
        let mse = zip(x, y).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / Double(x.count)
        return mse == 0 ? .infinity : 10 * log10(255 * 255 / mse)
    }

    static func write(_ bytes: [UInt8], name: String, in dir: URL) -> String {
        let path = dir.appendingPathComponent(name).path
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    /// The first `fraction` of a file's bytes, written beside it as `name`.
    static func truncated(_ path: String, fraction: Double, name: String, in dir: URL) -> String {
        let data = FileManager.default.contents(atPath: path)!
        return write(Array(data.prefix(Int(Double(data.count) * fraction))), name: name, in: dir)
    }
}

/// A little-endian TIFF written byte by byte: pixel data first, then values, then one IFD.
struct TinyTIFF {
    enum Value {
        case short([UInt16]), long([UInt32]), rational([(UInt32, UInt32)]), ascii(String)
    }

    var width: Int
    var height: Int
    var tags: [UInt16: Value] = [:]
    /// One strip per plane, each covering the whole image.
    var planes: [[UInt8]]
    /// Replaces the real strip offsets (to make a file whose data lies elsewhere).
    var stripOffsets: [UInt32]?

    init(width: Int, height: Int, bitsPerSample: [UInt16], photometric: UInt16, planes: [[UInt8]]) {
        self.width = width
        self.height = height
        self.planes = planes
        tags[256] = .long([UInt32(width)])
        tags[257] = .long([UInt32(height)])
        tags[258] = .short(bitsPerSample)
        tags[259] = .short([1])
        tags[262] = .short([photometric])
        tags[277] = .short([UInt16(bitsPerSample.count)])
        tags[278] = .long([UInt32(height)])
        if planes.count > 1 { tags[284] = .short([2]) }
    }

    func bytes() -> [UInt8] {
        var out: [UInt8] = [0x49, 0x49, 42, 0, 0, 0, 0, 0]
        func u16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(v >> (8 * $0) & 0xFF) } }
        var all = tags
        var offsets: [UInt32] = []
        for p in planes {
            offsets.append(UInt32(out.count))
            out += p
            if out.count % 2 == 1 { out.append(0) }
        }
        all[273] = .long(stripOffsets ?? offsets)
        all[279] = .long(planes.map { UInt32($0.count) })
        var entries: [(UInt16, UInt16, UInt32, [UInt8])] = []
        for tag in all.keys.sorted() {
            let (type, count, payload): (UInt16, Int, [UInt8])
            switch all[tag]! {
            case .short(let v): (type, count, payload) = (3, v.count, v.flatMap(u16))
            case .long(let v): (type, count, payload) = (4, v.count, v.flatMap(u32))
            case .rational(let v): (type, count, payload) = (5, v.count, v.flatMap { u32($0.0) + u32($0.1) })
            case .ascii(let s): (type, count, payload) = (2, s.utf8.count + 1, Array(s.utf8) + [0])
            }
            if payload.count <= 4 {
                entries.append((tag, type, UInt32(count), payload + [UInt8](repeating: 0, count: 4 - payload.count)))
            } else {
                let at = UInt32(out.count)
                out += payload
                if out.count % 2 == 1 { out.append(0) }
                entries.append((tag, type, UInt32(count), u32(at)))
            }
        }
        let ifd = UInt32(out.count)
        out.replaceSubrange(4..<8, with: u32(ifd))
        out += u16(UInt16(entries.count))
        for e in entries { out += u16(e.0) + u16(e.1) + u32(e.2) + e.3 }
        out += u32(0)
        return out
    }

    func write(name: String, in dir: URL) -> String { ImagingFixtures.write(bytes(), name: name, in: dir) }
}
