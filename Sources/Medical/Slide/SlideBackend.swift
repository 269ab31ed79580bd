// What every whole-slide reader provides, whatever the format: the pyramid, the raw properties
// and regions as RGB images. OpenSlide (`SlideSource`) is the backend today; a DICOM-WSI reader
// through dcmtk plugs in beside it by conforming and being listed in `Slide.open`.

import Foundation
import Shared

public protocol SlideBackend: AnyObject, Sendable {
    var path: String { get }
    /// e.g. "aperio", "generic-tiff", "dicom".
    var vendor: String { get }
    /// Level 0 first, downsamples relative to level 0.
    var levels: [SlideSource.Level] { get }
    /// Raw metadata, keys in OpenSlide's style ("openslide.mpp-x", "tiff.XResolution", ...).
    var properties: [String: String] { get }
    /// Reads `width × height` pixels of `level` whose top-left corner is (`x`, `y`) in level-0
    /// pixels. RGB uint8. Safe to call from several threads.
    func readRegion(x: Int, y: Int, level: Int, width: Int, height: Int) throws -> Image
    /// A fresh reader of the same slide: OpenSlide's handle stays failed after one bad tile, so a
    /// reader that met a corrupt tile continues through a new one.
    func reopened() throws -> any SlideBackend
    /// The scanner's own downscaled copy of the whole scanned area, when the format stores one
    /// (Aperio's "thumbnail"); never a label or macro image, which can show patient identifiers.
    func thumbnail() throws -> Image?
}

extension SlideBackend {
    public func thumbnail() throws -> Image? { nil }
}

extension SlideSource: SlideBackend {
    public func reopened() throws -> any SlideBackend { try SlideSource(path: path) }
}
