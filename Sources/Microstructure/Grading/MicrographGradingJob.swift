// Grading one micrograph file as a batch item: calibrate, classify, optionally measure grain
// size, and write the thumbnail and Grad-CAM overlay the report links to. `reticle micro grade`
// runs this for every input through the batch pipeline.

import Foundation
import Shared

public struct MicrographGradingJob: Sendable {
    public let grader: MicrographGrader
    public let calibration: MicrographCalibration
    public let grouping: SpecimenGrouping
    /// Also measure grain size with this analysis (every method; refused on a graded needle type
    /// unless it measures packet size).
    public var grainSize: GrainSizeAnalysis?
    /// Compute Grad-CAM and write overlays (needs `overlaysDir`).
    public var explain: Bool
    /// Where thumbnails and overlays go; nil writes none.
    public var overlaysDir: URL?
    /// How image files are read (the CLI adds DICOM).
    public var reader: ImageReader

    public init(grader: MicrographGrader, calibration: MicrographCalibration, grouping: SpecimenGrouping,
                grainSize: GrainSizeAnalysis? = nil, explain: Bool = false, overlaysDir: URL? = nil,
                reader: ImageReader = .rasters) {
        self.grader = grader
        self.calibration = calibration
        self.grouping = grouping
        self.grainSize = grainSize
        self.explain = explain
        self.overlaysDir = overlaysDir
        self.reader = reader
    }

    /// The item's result fields: the grade, specimen, calibration, grain size (or its error),
    /// and the overlay paths relative to the output folder.
    public func grade(_ item: InputItem) throws -> JSONObject {
        let image = try reader.read(path: item.path)
        let resolved = try calibration.resolve(image, path: item.displayPath)
        let grade = try grader.grade(image, calibration: resolved, explain: explain && overlaysDir != nil)
        var result = grade.json
        let specimen = grouping.assign(item.displayPath)
        result["specimen"] = .string(specimen.specimen)
        result["calibration"] = .object(resolved.json)
        // Everything a lab should read about this item besides its review reasons: calibration notes, a specimen
        // rule that did not cover the file.
        result["warnings"] = .array((resolved.warnings + [specimen.warning].compactMap { $0 }).map { .string($0) })
        if let grainSize {
            // A grain-size failure (too few grains, a needle type) must not lose the classification.
            do {
                result["grain_size"] = .object(try grainSize.measure(image, umPerPixel: resolved.umPerPixel,
                                                                     exclude: resolved.excludedRegions,
                                                                     structure: MicrostructureType(rawValue: grade.type)))
            } catch {
                result["grain_size"] = ["error": .string(error.localizedDescription)]
            }
        }
        if let overlaysDir {
            let thumb = try Self.thumbnail(image.grayscale())
            try ImageFile.write(thumb, to: overlaysDir.appendingPathComponent("\(item.id)-thumb.png").path)
            result["thumbnail"] = .string("overlays/\(item.id)-thumb.png")
            if let map = grade.explanation {
                let overlay = try GradCAMOverlay.display(image, map: map, explained: grade.type)
                try ImageFile.write(overlay, to: overlaysDir.appendingPathComponent("\(item.id)-gradcam.png").path)
                try ImageFile.write(GradCAMOverlay.fullResolution(image, map: map),
                                    to: overlaysDir.appendingPathComponent("\(item.id)-gradcam-full.png").path)
                result["overlay"] = .string("overlays/\(item.id)-gradcam.png")
                result["overlay_full_resolution"] = .string("overlays/\(item.id)-gradcam-full.png")
            }
        }
        return result
    }

    /// At most 384 px on the long side, 8-bit grey, for the report.
    public static func thumbnail(_ gray: Image) throws -> Image {
        let scale = min(1, 384 / Double(max(gray.width, gray.height)))
        var out = gray
        out.calibration = nil
        if scale < 1 {
            out = try Resampler.resample(out, width: max(1, Int(Double(gray.width) * scale)),
                                         height: max(1, Int(Double(gray.height) * scale)))
        }
        return out.converted(to: .uint8)
    }
}
