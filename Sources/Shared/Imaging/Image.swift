// The one image type every domain reads, analyses and writes.
//
// Pixels are interleaved (row-major, channel-last: y, x, c) as codecs deliver
// them; the CNN core converts to NCHW at the tensor boundary. Samples keep
// their stored type (8/16-bit or Float32) so nothing is lost between read and
// write; `floatPixels()` gives Float32 for analysis.

import Foundation

/// Sample storage of an `Image`, interleaved `height × width × channels`.
public enum PixelStorage: Equatable, Sendable {
    case uint8([UInt8])
    case uint16([UInt16])
    case float32([Float])

    public var count: Int {
        switch self {
        case .uint8(let a): return a.count
        case .uint16(let a): return a.count
        case .float32(let a): return a.count
        }
    }

    public var sampleType: SampleType {
        switch self {
        case .uint8: return .uint8
        case .uint16: return .uint16
        case .float32: return .float32
        }
    }
}

/// The stored numeric type of one sample.
public enum SampleType: String, Codable, Sendable {
    case uint8, uint16, float32

    public var bitDepth: Int {
        switch self {
        case .uint8: return 8
        case .uint16: return 16
        case .float32: return 32
        }
    }

    /// Full-scale value used to map integer samples to 0...1.
    public var fullScale: Float {
        switch self {
        case .uint8: return 255
        case .uint16: return 65535
        case .float32: return 1
        }
    }
}

/// A 2-D image with 1–4 interleaved channels and an optional physical calibration.
public struct Image: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA.
    public let channels: Int
    public var storage: PixelStorage
    /// Physical size of a pixel and where that figure came from; nil when unknown.
    public var calibration: Calibration?
    /// Why the file's own density fields gave no calibration (a print default, an implausible
    /// figure), when they were there; nil otherwise.
    public var calibrationNote: String?

    /// - Precondition: `storage.count == width * height * channels`, 1 ≤ channels ≤ 4.
    public init(width: Int, height: Int, channels: Int, storage: PixelStorage, calibration: Calibration? = nil) {
        precondition(width >= 0 && height >= 0, "negative image size")
        precondition((1...4).contains(channels), "channels must be 1...4, got \(channels)")
        precondition(storage.count == width * height * channels,
                     "storage holds \(storage.count) samples, expected \(width)×\(height)×\(channels)")
        self.width = width
        self.height = height
        self.channels = channels
        self.storage = storage
        self.calibration = calibration
    }

    /// A zero-filled image of the given sample type.
    public init(width: Int, height: Int, channels: Int, sampleType: SampleType, calibration: Calibration? = nil) {
        let n = width * height * channels
        let storage: PixelStorage
        switch sampleType {
        case .uint8: storage = .uint8(Array(repeating: 0, count: n))
        case .uint16: storage = .uint16(Array(repeating: 0, count: n))
        case .float32: storage = .float32(Array(repeating: 0, count: n))
        }
        self.init(width: width, height: height, channels: channels, storage: storage, calibration: calibration)
    }

    public var sampleType: SampleType { storage.sampleType }
    public var bitDepth: Int { sampleType.bitDepth }
    public var pixelCount: Int { width * height }

    /// Samples as Float32, integer types scaled to 0...1 when `normalized`.
    public func floatPixels(normalized: Bool = true) -> [Float] {
        switch storage {
        case .uint8(let a):
            let s: Float = normalized ? 1 / 255 : 1
            return a.map { Float($0) * s }
        case .uint16(let a):
            let s: Float = normalized ? 1 / 65535 : 1
            return a.map { Float($0) * s }
        case .float32(let a):
            return a
        }
    }

    /// One sample as Float (raw stored value, not normalised).
    public func sample(x: Int, y: Int, channel: Int = 0) -> Float {
        let i = (y * width + x) * channels + channel
        switch storage {
        case .uint8(let a): return Float(a[i])
        case .uint16(let a): return Float(a[i])
        case .float32(let a): return a[i]
        }
    }

    /// Luminance (Rec. 601 weights for colour, alpha ignored) as Float32 in 0...1 for integer types.
    public func grayscale() -> Image {
        let f = floatPixels()
        if channels == 1 {
            return Image(width: width, height: height, channels: 1, storage: .float32(f), calibration: calibration)
        }
        var out = [Float](repeating: 0, count: pixelCount)
        f.withUnsafeBufferPointer { src in
            for p in 0..<pixelCount {
                let b = p * channels
                if channels >= 3 {
                    out[p] = 0.299 * src[b] + 0.587 * src[b + 1] + 0.114 * src[b + 2]
                } else {
                    out[p] = src[b]
                }
            }
        }
        return Image(width: width, height: height, channels: 1, storage: .float32(out), calibration: calibration)
    }

    /// Float32 image rescaled to the given integer type, clamping to its range (values in 0...1 map to full scale).
    public func converted(to type: SampleType) -> Image {
        if type == sampleType { return self }
        let f = floatPixels()
        let storage: PixelStorage
        switch type {
        case .float32: storage = .float32(f)
        case .uint8: storage = .uint8(f.map { UInt8(max(0, min(255, ($0 * 255).rounded()))) })
        case .uint16: storage = .uint16(f.map { UInt16(max(0, min(65535, ($0 * 65535).rounded()))) })
        }
        return Image(width: width, height: height, channels: channels, storage: storage, calibration: calibration)
    }
}
