// Writes a pyramid as a DICOM whole-slide image (VL Whole Slide Microscopy Image IOD) through
// dcmtk: one file per level, TILED_FULL or TILED_SPARSE, frames uncompressed or JPEG baseline,
// plus an optional THUMBNAIL file. The generated slides of the tests and benchmarks use it, so
// the DICOM reader is exercised on files the project makes itself, not on committed binaries.

import CDcmtk
import Foundation
import Shared

public struct DicomSlideWriter: Sendable {
    /// How tiles are laid out in a level file.
    public enum Tiling: String, Codable, Sendable, CaseIterable {
        /// Every tile, row-major (DimensionOrganizationType TILED_FULL).
        case full
        /// Only the tiles `keep` accepts, each with its position, in reverse order (TILED_SPARSE).
        case sparse
    }

    public var tileSize = 128
    public var tiling = Tiling.full
    /// 0 writes uncompressed RGB; 1–100 JPEG baseline at that quality.
    public var jpegQuality = 0
    /// Level-0 µm per pixel.
    public var umPerPixel = 0.5

    public init() {}

    /// Writes `pages` (level 0 first, each RGB uint8) to `folder`/level-<i>.dcm, and `thumbnail`
    /// (when given) to `folder`/thumbnail.dcm. With `.sparse`, `keep(level, column, row)` says
    /// which tiles are stored. Returns the paths written.
    @discardableResult
    public func write(pages: [Image], thumbnail: Image? = nil, to folder: String,
                      keep: (Int, Int, Int) -> Bool = { _, _, _ in true }) throws -> [String] {
        guard let base = pages.first else { throw ReticleError(.usage, file: folder, "no level to write") }
        guard (16...4096).contains(tileSize), tileSize % 16 == 0 else {
            throw ReticleError(.usage, file: folder, "tile size \(tileSize) must be a multiple of 16 within 16–4096")
        }
        guard (0...100).contains(jpegQuality) else { throw ReticleError(.usage, file: folder, "JPEG quality must be 0–100") }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw ReticleError(.io, file: folder, "cannot create folder: \(error.localizedDescription)")
        }
        let study = Self.newUID(), series = Self.newUID(), frameOfReference = Self.newUID(), pyramid = Self.newUID()
        let widthMm = Double(base.width) * umPerPixel / 1000, heightMm = Double(base.height) * umPerPixel / 1000
        var written: [String] = []
        var jobs: [(image: Image, name: String, type: String, side: Int, sparse: Bool, level: Int)] = pages.enumerated().map {
            ($1, "level-\($0).dcm", $0 == 0 ? "ORIGINAL\\PRIMARY\\VOLUME\\NONE" : "DERIVED\\PRIMARY\\VOLUME\\RESAMPLED", tileSize, tiling == .sparse, $0)
        }
        if let thumbnail {
            let side = (max(thumbnail.width, thumbnail.height) + 15) / 16 * 16
            jobs.append((thumbnail, "thumbnail.dcm", "DERIVED\\PRIMARY\\THUMBNAIL\\RESAMPLED", side, false, -1))
        }
        for (number, job) in jobs.enumerated() {
            let image = job.image.converted(to: .uint8)
            guard image.channels == 3, case .uint8(let px) = image.storage else {
                throw ReticleError(.usage, file: folder, "level \(number) is not RGB")
            }
            let side = job.side
            let across = (image.width + side - 1) / side, down = (image.height + side - 1) / side
            var order: [(Int, Int)] = []
            for r in 0..<down { for c in 0..<across where !job.sparse || keep(job.level, c, r) { order.append((c, r)) } }
            if job.sparse { order.reverse() }  // positions, not order, place sparse tiles
            guard !order.isEmpty else { throw ReticleError(.usage, file: folder, "level \(job.level) keeps no tile") }
            // Tiles past the image's edge are padded with white, as scanners pad them.
            var frames = [UInt8](repeating: 255, count: order.count * side * side * 3)
            var positions: [Int32] = []
            for (f, (c, r)) in order.enumerated() {
                positions += [Int32(c * side + 1), Int32(r * side + 1)]
                let w = min(side, image.width - c * side)
                for y in 0..<min(side, image.height - r * side) {
                    let src = ((r * side + y) * image.width + c * side) * 3
                    let dst = ((f * side + y) * side) * 3
                    frames.replaceSubrange(dst..<(dst + w * 3), with: px[src..<(src + w * 3)])
                }
            }
            let path = (folder as NSString).appendingPathComponent(job.name)
            let downsample = Double(base.width) / Double(image.width)
            var err = [CChar](repeating: 0, count: 512)
            let rc = study.withCString { st in series.withCString { se in frameOfReference.withCString { fr in pyramid.withCString { py in
                job.type.withCString { type in
                    positions.withUnsafeBufferPointer { pos in
                        var level = rt_dcm_wsi_level(
                            study_uid: st, series_uid: se, frame_of_reference_uid: fr, pyramid_uid: py,
                            total_columns: UInt32(image.width), total_rows: UInt32(image.height), tile_size: UInt32(side),
                            frames: UInt32(order.count), positions: job.sparse ? pos.baseAddress : nil,
                            imaged_width_mm: widthMm, imaged_height_mm: heightMm,
                            pixel_spacing_mm: umPerPixel * downsample / 1000, instance_number: Int32(number + 1),
                            jpeg_quality: Int32(jpegQuality), image_type: type)
                        return rt_dcm_write_wsi_level(&level, frames, frames.count, path, &err, err.count)
                    }
                }
            } } } }
            guard Int(rc) == RT_DCM_OK else { throw ReticleError(.io, file: path, DicomFile.text(err)) }
            written.append(path)
        }
        return written
    }

    static func newUID() -> String {
        var buf = [CChar](repeating: 0, count: 100)
        rt_dcm_new_uid(&buf, buf.count)
        return DicomFile.text(buf)
    }
}
