// The level-0 pixel size of a slide and where it came from. Order: the slide's own metadata,
// else its TIFF resolution tags, else its objective power (10 µm/px divided by the power, an
// estimate and flagged so), else `--mpp`; with none of them the slide is an error, never a guess.

import Foundation
import Shared

public struct SlideScale: Codable, Equatable, Sendable {
    public enum Source: String, Codable, Sendable, CaseIterable {
        case vendorMetadata = "vendor-metadata"
        case tiffResolution = "tiff-resolution"
        case objectivePower = "objective-power-estimate"
        case flag
    }

    public var umPerPixelX: Double
    public var umPerPixelY: Double
    public var source: Source
    /// The exact field and value, e.g. "openslide.mpp-x=0.499".
    public var detail: String

    public var umPerPixel: Double { (umPerPixelX + umPerPixelY) / 2 }
    /// True when the figure is inferred from the objective, not measured.
    public var isEstimate: Bool { source == .objectivePower }

    /// Slides are scanned between about 0.05 and 50 µm/px; anything else is a file's mistake.
    public static let plausible: ClosedRange<Double> = 0.05...50

    public init(umPerPixelX: Double, umPerPixelY: Double, source: Source, detail: String) {
        self.umPerPixelX = umPerPixelX
        self.umPerPixelY = umPerPixelY
        self.source = source
        self.detail = detail
    }

    /// The scale of a slide with these `properties`. Throws `.calibration` naming `path` when no
    /// source gives a plausible figure and `fallback` (`--mpp`) is nil.
    public static func resolve(properties p: [String: String], vendor: String, fallback: Double?, path: String) throws -> SlideScale {
        func plausible(_ x: Double?, _ y: Double?) -> Bool {
            guard let x, let y else { return false }
            return Self.plausible.contains(x) && Self.plausible.contains(y)
        }
        let mx = p["openslide.mpp-x"].flatMap(Double.init), my = p["openslide.mpp-y"].flatMap(Double.init)
        if let mx, let my, plausible(mx, my) {
            // OpenSlide's generic TIFF reader fills openslide.mpp from the resolution tags themselves.
            let source: Source = vendor == "generic-tiff" ? .tiffResolution : .vendorMetadata
            // DICOM slides name the attribute their scale came from (DicomSlide).
            return SlideScale(umPerPixelX: mx, umPerPixelY: my, source: source,
                              detail: p["dicom.mpp-detail"] ?? "openslide.mpp-x=\(p["openslide.mpp-x"]!), openslide.mpp-y=\(p["openslide.mpp-y"]!)")
        }
        if let rx = p["tiff.XResolution"].flatMap(Double.init), let ry = p["tiff.YResolution"].flatMap(Double.init),
           rx > 0, ry > 0, let unit = p["tiff.ResolutionUnit"] {
            let micronsPerUnit: Double? = unit == "centimeter" ? 1e4 : unit == "inch" ? 25_400 : nil
            if let u = micronsPerUnit, plausible(u / rx, u / ry) {
                return SlideScale(umPerPixelX: u / rx, umPerPixelY: u / ry, source: .tiffResolution,
                                  detail: "tiff.XResolution=\(p["tiff.XResolution"]!), tiff.YResolution=\(p["tiff.YResolution"]!) per \(unit)")
            }
        }
        if let power = p["openslide.objective-power"].flatMap(Double.init), power > 0, plausible(10 / power, 10 / power) {
            return SlideScale(umPerPixelX: 10 / power, umPerPixelY: 10 / power, source: .objectivePower,
                              detail: "estimated as 10 µm / objective power \(p["openslide.objective-power"]!)")
        }
        if let f = fallback {
            guard f.isFinite, Self.plausible.contains(f) else {
                throw ReticleError(.usage, file: path, "--mpp \(f) is outside \(Self.plausible.lowerBound)–\(Self.plausible.upperBound) µm/px")
            }
            return SlideScale(umPerPixelX: f, umPerPixelY: f, source: .flag, detail: "--mpp \(f)")
        }
        throw ReticleError(.calibration, file: path,
                           "no µm/px: the slide has no mpp metadata, TIFF resolution or objective power; give --mpp")
    }

    public var json: JSONValue {
        .object(["um_per_px_x": .number(umPerPixelX), "um_per_px_y": .number(umPerPixelY), "source": .string(source.rawValue),
                 "estimate": .bool(isEstimate), "detail": .string(detail)])
    }
}
