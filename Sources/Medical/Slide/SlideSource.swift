// A whole-slide image opened through OpenSlide 3.4: pyramid levels, properties, calibration,
// associated image sizes, and regions read as RGB `Image`s. Reads are thread-safe (OpenSlide's are).

import COpenSlide
import Foundation
import Shared

public final class SlideSource: @unchecked Sendable {
    /// One pyramid level; `downsample` is relative to level 0.
    public struct Level: Equatable, Sendable {
        public let index: Int
        public let width: Int
        public let height: Int
        public let downsample: Double
    }

    /// A label, macro or thumbnail image stored beside the pyramid (sizes only: label and macro
    /// images can carry patient identifiers, so Reticle never reads their pixels).
    public struct AssociatedImage: Equatable, Sendable {
        public let name: String
        public let width: Int
        public let height: Int
    }

    public let path: String
    /// OpenSlide's vendor name, e.g. "aperio", "hamamatsu", "generic-tiff".
    public let vendor: String
    public let levels: [Level]
    /// Every OpenSlide property ("openslide.mpp-x", "aperio.AppMag", ...).
    public let properties: [String: String]
    public let associatedImages: [AssociatedImage]

    private let handle: OpaquePointer

    /// Regions larger than this many pixels are refused (4 bytes each while reading).
    public static let maxRegionPixels = 1 << 28

    /// OpenSlide's vendor for `path`, or nil when it is not a format OpenSlide reads.
    public static func detectVendor(path: String) -> String? {
        openslide_detect_vendor(path).map { String(cString: $0) }
    }

    /// Opens `path`. Throws `.unsupported` when OpenSlide does not know the format and
    /// `.corrupt` ("not readable: <OpenSlide's error>") when it knows it but cannot read it.
    public init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw ReticleError(.io, file: path, "no such file") }
        let vendor = Self.detectVendor(path: path)
        guard let h = openslide_open(path) else {
            if let vendor {
                throw ReticleError(.corrupt, file: path, "not readable: OpenSlide detected \(vendor) but could not open it")
            }
            throw ReticleError(.unsupported, file: path, "not a slide format OpenSlide \(Self.version) reads")
        }
        if let e = openslide_get_error(h) {
            let reason = String(cString: e)
            openslide_close(h)
            throw ReticleError(.corrupt, file: path, "not readable: \(reason)")
        }
        handle = h
        self.path = path
        self.vendor = vendor ?? "unknown"

        let count = Int(openslide_get_level_count(h))
        var levels: [Level] = []
        for i in 0..<max(count, 0) {
            var w: Int64 = -1, hgt: Int64 = -1
            openslide_get_level_dimensions(h, Int32(i), &w, &hgt)
            levels.append(Level(index: i, width: Int(w), height: Int(hgt),
                                downsample: openslide_get_level_downsample(h, Int32(i))))
        }
        self.levels = levels
        properties = Self.strings(openslide_get_property_names(h)).reduce(into: [:]) { dict, name in
            if let v = openslide_get_property_value(h, name) { dict[name] = String(cString: v) }
        }
        associatedImages = Self.strings(openslide_get_associated_image_names(h)).map { name in
            var w: Int64 = -1, hgt: Int64 = -1
            openslide_get_associated_image_dimensions(h, name, &w, &hgt)
            return AssociatedImage(name: name, width: Int(w), height: Int(hgt))
        }
        // OpenSlide reports a failure while reading metadata through the handle, not the return values.
        if let e = openslide_get_error(h) { throw ReticleError(.corrupt, file: path, "not readable: \(String(cString: e))") }
        guard let first = levels.first, first.width > 0, first.height > 0 else {
            throw ReticleError(.corrupt, file: path, "not readable: no pyramid level with a positive size")
        }
    }

    deinit { openslide_close(handle) }

    /// OpenSlide's version string, e.g. "3.4.1".
    public static var version: String { openslide_get_version().map { String(cString: $0) } ?? "unknown" }

    public var levelCount: Int { levels.count }
    /// Level 0 size.
    public var width: Int { levels[0].width }
    public var height: Int { levels[0].height }

    /// Level-0 pixel size from openslide.mpp-x/mpp-y (vendor metadata); nil when absent or not positive.
    public var calibration: Calibration? {
        guard let xs = properties["openslide.mpp-x"], let ys = properties["openslide.mpp-y"],
              let x = Double(xs), let y = Double(ys) else { return nil }
        let c = Calibration(umPerPixelX: x, umPerPixelY: y, source: .vendorMetadata,
                            detail: "openslide.mpp-x=\(xs), openslide.mpp-y=\(ys)")
        return c.isValid ? c : nil
    }

    /// Pixel size at `level` (level 0's times its downsample).
    public func calibration(level: Int) -> Calibration? {
        guard var c = calibration, levels.indices.contains(level) else { return nil }
        let d = levels[level].downsample
        c.umPerPixelX *= d
        c.umPerPixelY *= d
        if level > 0 { c.detail = (c.detail ?? "") + " × downsample \(d) (level \(level))" }
        return c
    }

    /// Magnification of the scanner's objective (openslide.objective-power), when known.
    public var objectivePower: Double? { properties["openslide.objective-power"].flatMap(Double.init) }

    /// Reads `width × height` pixels of `level`, whose top-left corner is (`x`, `y`) in level-0
    /// coordinates (OpenSlide's convention). RGB `.uint8`; transparent pixels (outside the
    /// scanned area) come out white. Throws `.corrupt` when OpenSlide fails to decode tiles.
    public func readRegion(x: Int, y: Int, level: Int, width: Int, height: Int) throws -> Image {
        guard levels.indices.contains(level) else {
            throw ReticleError(.usage, file: path, "level \(level) out of range (\(levels.count) levels)")
        }
        guard width > 0, height > 0, width.multipliedReportingOverflow(by: height).partialValue <= Self.maxRegionPixels,
              width <= Self.maxRegionPixels, height <= Self.maxRegionPixels else {
            throw ReticleError(.usage, file: path, "region \(width) × \(height) is empty or larger than \(Self.maxRegionPixels) pixels")
        }
        var argb = [UInt32](repeating: 0, count: width * height)
        argb.withUnsafeMutableBufferPointer {
            openslide_read_region(handle, $0.baseAddress, Int64(x), Int64(y), Int32(level), Int64(width), Int64(height))
        }
        if let e = openslide_get_error(handle) {
            throw ReticleError(.corrupt, file: path, "not readable: \(String(cString: e))")
        }
        return Image(width: width, height: height, channels: 3, storage: .uint8(Self.rgb(fromPremultipliedARGB: argb)),
                     calibration: calibration(level: level))
    }

    /// The associated image named "thumbnail" as RGB, nil when the slide has none. Only this name
    /// is read: "label" and "macro" stay unread (see `AssociatedImage`).
    public func thumbnail() throws -> Image? {
        guard let t = associatedImages.first(where: { $0.name == "thumbnail" }) else { return nil }
        guard t.width > 0, t.height > 0, t.width.multipliedReportingOverflow(by: t.height).partialValue <= Self.maxRegionPixels,
              t.width <= Self.maxRegionPixels, t.height <= Self.maxRegionPixels else {
            throw ReticleError(.corrupt, file: path, "thumbnail of \(t.width) × \(t.height) pixels is empty or too large")
        }
        var argb = [UInt32](repeating: 0, count: t.width * t.height)
        argb.withUnsafeMutableBufferPointer { openslide_read_associated_image(handle, "thumbnail", $0.baseAddress) }
        if let e = openslide_get_error(handle) {
            throw ReticleError(.corrupt, file: path, "thumbnail not readable: \(String(cString: e))")
        }
        return Image(width: t.width, height: t.height, channels: 3, storage: .uint8(Self.rgb(fromPremultipliedARGB: argb)))
    }

    /// OpenSlide's premultiplied ARGB to straight RGB; fully transparent pixels become white, as
    /// slide viewers show the background. Partly transparent ones are un-premultiplied.
    static func rgb(fromPremultipliedARGB argb: [UInt32]) -> [UInt8] {
        var out = [UInt8](repeating: 255, count: argb.count * 3)
        out.withUnsafeMutableBufferPointer { o in
            for (i, p) in argb.enumerated() {
                let a = p >> 24
                if a == 0 { continue }
                var r = (p >> 16) & 0xFF, g = (p >> 8) & 0xFF, b = p & 0xFF
                if a != 255 {
                    r = min(255, (r * 255 + a / 2) / a)
                    g = min(255, (g * 255 + a / 2) / a)
                    b = min(255, (b * 255 + a / 2) / a)
                }
                o[3 * i] = UInt8(r)
                o[3 * i + 1] = UInt8(g)
                o[3 * i + 2] = UInt8(b)
            }
        }
        return out
    }

    /// A NULL-terminated C array of C strings.
    private static func strings(_ list: UnsafePointer<UnsafePointer<CChar>?>?) -> [String] {
        guard var p = list else { return [] }
        var out: [String] = []
        while let s = p.pointee {
            out.append(String(cString: s))
            p += 1
        }
        return out
    }
}
