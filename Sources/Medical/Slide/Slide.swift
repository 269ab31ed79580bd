// An opened whole-slide image behind one type: its backend (OpenSlide, or DicomSlide for DICOM
// whole-slide images, which OpenSlide 3.4 does not read) and normalised
// metadata (levels, downsamples, µm/px with its source, objective power, vendor).

import Foundation
import Shared

public final class Slide: @unchecked Sendable {
    public let path: String
    public let vendor: String
    public let levels: [SlideSource.Level]
    public let scale: SlideScale
    public let objectivePower: Double?
    private var backend: any SlideBackend
    private let lock = NSLock()

    /// Opens `path` with the first backend that reads it. `fallbackMpp` is `--mpp`, used only
    /// when the slide itself says nothing about its scale.
    public init(path: String, fallbackMpp: Double? = nil) throws {
        let backend: any SlideBackend = DicomSlide.handles(path: path) ? try DicomSlide(path: path) : try SlideSource(path: path)
        self.path = path
        self.backend = backend
        vendor = backend.vendor
        levels = backend.levels
        scale = try SlideScale.resolve(properties: backend.properties, vendor: backend.vendor, fallback: fallbackMpp, path: path)
        objectivePower = backend.properties["openslide.objective-power"].flatMap(Double.init)
    }

    public var width: Int { levels[0].width }
    public var height: Int { levels[0].height }

    /// µm/px of `level` (level 0's times the downsample).
    public func umPerPixel(level: Int) -> Double { scale.umPerPixel * levels[level].downsample }

    /// The coarsest level still at least as fine as `umPerPixel` (level 0 when none is).
    public func bestLevel(forUmPerPixel target: Double) -> Int {
        levels.last { umPerPixel(level: $0.index) <= target * (1 + 1e-6) }?.index ?? 0
    }

    /// A region (level-0 origin, size in `level` pixels) as RGB uint8; see `SlideBackend`.
    public func readRegion(x: Int, y: Int, level: Int, width: Int, height: Int) throws -> Image {
        let b = lock.withLock { backend }
        return try b.readRegion(x: x, y: y, level: level, width: width, height: height)
    }

    /// The slide's stored thumbnail (see `SlideBackend.thumbnail`), nil when it has none.
    public func thumbnail() throws -> Image? {
        let b = lock.withLock { backend }
        return try b.thumbnail()
    }

    /// Replaces a backend that failed on a corrupt tile by a fresh one, so later reads work.
    public func recover() throws {
        let fresh = try lock.withLock { backend }.reopened()
        lock.withLock { backend = fresh }
    }

    public var metadata: JSONObject {
        var o = JSONObject()
        o["vendor"] = .string(vendor)
        o["width"] = .int(width)
        o["height"] = .int(height)
        o["levels"] = .array(levels.map { .object(["level": .int($0.index), "width": .int($0.width), "height": .int($0.height),
                                                     "downsample": .number($0.downsample)]) })
        o["objective_power"] = objectivePower.map(JSONValue.number) ?? .null
        o["scale"] = scale.json
        return o
    }
}
