// `reticle inspect` for whole-slide images: vendor, pyramid, pixel size, objective, associated
// image names and sizes. Never the pixels of label or macro images (they can show patient labels).

import Foundation
import Shared

public struct SlideInspector: FileInspector {
    public let kind = "slide"

    public init() {}

    /// Any file OpenSlide detects, except a generic tiled TIFF that has one level or that OpenSlide
    /// cannot open (a JPEG COG with masks, say): those are ordinary images, left to the image
    /// inspector. (Detection opens the TIFF, so this is not free.)
    public func recognizes(path: String, header: [UInt8]) -> Bool {
        guard let vendor = SlideSource.detectVendor(path: path) else { return false }
        if vendor != "generic-tiff" { return true }
        guard let slide = try? SlideSource(path: path), slide.levelCount > 1 else { return false }
        return (try? probe(slide)) != nil
    }

    /// Reads one small region of a small level, so that a slide with undecodable tiles fails at
    /// inspection, not in the middle of a batch.
    func probe(_ slide: SlideSource) throws {
        // The smallest level still a tile wide: narrower levels make libtiff warn on stderr.
        let level = slide.levels.last { $0.width >= 256 && $0.height >= 256 } ?? slide.levels[0]
        _ = try slide.readRegion(x: 0, y: 0, level: level.index, width: min(level.width, 64), height: min(level.height, 64))
    }

    /// Keys, in order: kind, format ("OpenSlide <vendor>"), vendor, width, height (level 0),
    /// levels [{level, width, height, downsample}], um_per_px_x, um_per_px_y, objective_power,
    /// associated_images [{name, width, height}], calibration.
    /// The files of one DICOM whole-slide image are one item.
    public func partOf(path: String) -> String? { DicomSlide.seriesKey(path: path) }

    public func inspect(path: String, options: InspectOptions) throws -> JSONObject {
        let slide = try SlideSource(path: path)
        try probe(slide)
        let calibration = slide.calibration
        var o = JSONObject()
        o["kind"] = .string(kind)
        o["format"] = .string("OpenSlide \(slide.vendor)")
        o["vendor"] = .string(slide.vendor)
        o["width"] = .int(slide.width)
        o["height"] = .int(slide.height)
        o["levels"] = .array(slide.levels.map {
            .object(["level": .int($0.index), "width": .int($0.width), "height": .int($0.height),
                     "downsample": .number($0.downsample)])
        })
        o["um_per_px_x"] = calibration.map { .number($0.umPerPixelX) } ?? .null
        o["um_per_px_y"] = calibration.map { .number($0.umPerPixelY) } ?? .null
        o["objective_power"] = slide.objectivePower.map(JSONValue.number) ?? .null
        o["associated_images"] = .array(slide.associatedImages.map {
            .object(["name": .string($0.name), "width": .int($0.width), "height": .int($0.height)])
        })
        o["calibration"] = Medical.json(calibration)
        return o
    }

    /// A DICOM whole-slide image's pyramid, as `inspect` gives a slide's, plus files (how many
    /// make the series) and series_uid; the DICOM inspector adds it to the file's own description.
    static func dicomSlide(path: String) throws -> JSONObject {
        let slide = try DicomSlide(path: path)
        let level = slide.levels.last { $0.width >= 64 && $0.height >= 64 } ?? slide.levels[0]
        _ = try slide.readRegion(x: 0, y: 0, level: level.index, width: min(level.width, 64), height: min(level.height, 64))
        let scale = try? SlideScale.resolve(properties: slide.properties, vendor: slide.vendor, fallback: nil, path: path)
        let calibration = scale.map { Calibration(umPerPixelX: $0.umPerPixelX, umPerPixelY: $0.umPerPixelY, source: .vendorMetadata, detail: $0.detail) }
        var o = JSONObject()
        o["vendor"] = .string(slide.vendor)
        o["width"] = .int(slide.levels[0].width)
        o["height"] = .int(slide.levels[0].height)
        o["levels"] = .array(slide.levels.map {
            .object(["level": .int($0.index), "width": .int($0.width), "height": .int($0.height), "downsample": .number($0.downsample)])
        })
        o["um_per_px_x"] = calibration.map { .number($0.umPerPixelX) } ?? .null
        o["um_per_px_y"] = calibration.map { .number($0.umPerPixelY) } ?? .null
        o["objective_power"] = slide.properties["openslide.objective-power"].flatMap(Double.init).map(JSONValue.number) ?? .null
        o["associated_images"] = .array(slide.associatedImages.map {
            .object(["name": .string($0.name), "width": .int($0.width), "height": .int($0.height)])
        })
        o["calibration"] = Medical.json(calibration)
        o["files"] = .int(slide.files.count)
        o["series_uid"] = .string(slide.seriesInstanceUID)
        return o
    }
}
