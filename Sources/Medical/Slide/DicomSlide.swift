// A DICOM whole-slide image (VL Whole Slide Microscopy Image IOD) read with dcmtk, behind
// `SlideBackend`. A slide is one series: the files of a folder, or the files beside a given file,
// that share its SeriesInstanceUID (OpenSlide 4's rule). Each VOLUME file is a pyramid level or
// part of one (files of equal TotalPixelMatrixColumns/Rows join one level); THUMBNAIL, LABEL and
// OVERVIEW files are listed by size and never decoded. Tiles are frames, decoded one at a time
// (only that frame's bytes are read), kept in a small cache, and placed row-major (TILED_FULL) or
// by their PlanePositionSlideSequence (TILED_SPARSE, where absent tiles are white glass).

import Foundation
import Shared

public final class DicomSlide: SlideBackend, @unchecked Sendable {  // the tile cache has its own lock
    public static let sopClassUID = "1.2.840.10008.5.1.4.1.1.77.1.6"

    /// One level: its size, tile size, and where each tile of its grid is stored.
    struct Level {
        let width: Int
        let height: Int
        let tileWidth: Int
        let tileHeight: Int
        let files: [DicomFile]
        let infos: [DicomImageInfo]
        /// Row-major over the tile grid: file index << 32 | frame, or -1 for a tile not stored.
        let tiles: [Int64]
        var across: Int { (width + tileWidth - 1) / tileWidth }
        var down: Int { (height + tileHeight - 1) / tileHeight }
    }

    public let path: String
    public let vendor = "dicom"
    public let levels: [SlideSource.Level]
    public let properties: [String: String]
    /// Every file of the series, sorted.
    public let files: [String]
    /// THUMBNAIL, LABEL and OVERVIEW images of the series: sizes only, pixels never read.
    public let associatedImages: [SlideSource.AssociatedImage]
    public let seriesInstanceUID: String
    let pyramid: [Level]
    private let cache: TileCache

    /// Levels and tiles larger than this are refused (a hostile header must not size allocations).
    static let maxSide = 1 << 24
    static let maxTiles = 1 << 24

    /// Opens the slide `path` names: a folder holding one series, or one file of a series (its
    /// sibling files of the same series join it). Throws `.unsupported` for files that are not
    /// whole-slide images or for several focal planes or optical paths, `.corrupt` for damage.
    public init(path: String, cacheTiles: Int = 96) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw ReticleError(.io, file: path, "no such file") }
        self.path = path
        var members: [DicomFile]
        if isDir.boolValue {
            let series = Dictionary(grouping: try Self.wholeSlideFiles(in: path)) { $0.string(.seriesInstanceUID) ?? "" }
            guard series.count == 1, let only = series.first else {
                throw ReticleError(series.isEmpty ? .unsupported : .usage, file: path, series.isEmpty
                    ? "the folder holds no DICOM whole-slide image (SOP class \(Self.sopClassUID))"
                    : "the folder holds \(series.count) DICOM slides (series \(series.keys.sorted().joined(separator: ", "))): give one file of the slide")
            }
            members = only.value
        } else {
            let file = try DicomFile(path: path)
            guard file.sopClassUID == Self.sopClassUID else {
                throw ReticleError(.unsupported, file: path, "not a DICOM whole-slide image (SOP class \(file.sopClassUID ?? "none"))")
            }
            let uid = file.string(.seriesInstanceUID) ?? ""
            let folder = (path as NSString).deletingLastPathComponent
            let resolved = URL(fileURLWithPath: path).standardizedFileURL.path
            members = [file] + (uid.isEmpty ? [] : try Self.wholeSlideFiles(in: folder.isEmpty ? "." : folder).filter {
                URL(fileURLWithPath: $0.path).standardizedFileURL.path != resolved && $0.string(.seriesInstanceUID) == uid
            })
        }
        seriesInstanceUID = members[0].string(.seriesInstanceUID) ?? ""
        members.sort { $0.path < $1.path }
        files = members.map(\.path)

        var volumes: [DicomFile] = []
        var associated: [SlideSource.AssociatedImage] = []
        for f in members {
            let type = (f.string(.imageType) ?? "").split(separator: "\\").map { $0.trimmingCharacters(in: .whitespaces).uppercased() }
            let flavour = type.count > 2 ? type[2] : "VOLUME"
            if flavour == "VOLUME" {
                volumes.append(f)
            } else {
                let w = Int(f.number(.totalPixelMatrixColumns) ?? f.number(.columns) ?? 0)
                let h = Int(f.number(.totalPixelMatrixRows) ?? f.number(.rows) ?? 0)
                associated.append(SlideSource.AssociatedImage(name: flavour.lowercased(), width: w, height: h))
            }
        }
        associatedImages = associated
        guard !volumes.isEmpty else {
            throw ReticleError(.corrupt, file: path, "the series has no VOLUME image (only \(associated.map(\.name).joined(separator: ", ")))")
        }
        pyramid = try Self.levels(of: volumes, path: path)
        let base = pyramid[0]
        levels = pyramid.enumerated().map { i, l in
            SlideSource.Level(index: i, width: l.width, height: l.height,
                              downsample: (Double(base.width) / Double(l.width) + Double(base.height) / Double(l.height)) / 2)
        }
        properties = Self.properties(base.files[0], levels: levels, seriesUID: seriesInstanceUID, files: files.count)
        cache = TileCache(capacity: max(1, cacheTiles))
    }

    /// Files beside each other are one slide; reading has no failed state to recover from.
    public func reopened() throws -> any SlideBackend { self }

    // MARK: - Recognising

    /// True when the first bytes of a file (up to 4 KiB) name the whole-slide SOP class: in the
    /// meta header's MediaStorageSOPClassUID, or early in a bare dataset. Cheap; no parsing.
    public static func looksLikeWholeSlide(header: [UInt8]) -> Bool {
        let needle = Array(sopClassUID.utf8)
        guard header.count >= needle.count else { return false }
        for i in 0...(header.count - needle.count) where header[i] == needle[0] {
            // The UID must end there (a longer UID beginning alike is another class).
            if Array(header[i..<(i + needle.count)]) == needle {
                let next = i + needle.count < header.count ? header[i + needle.count] : 0
                if !(0x30...0x39).contains(next) && next != 0x2E { return true }
            }
        }
        return false
    }

    /// "dicom-wsi:<folder>:<SeriesInstanceUID>" for a whole-slide file, so that a batch takes
    /// the files of one slide as one item; nil for any other file.
    public static func seriesKey(path: String) -> String? {
        guard let header = try? FileHeader.read(path: path, count: InspectorRegistry.headerLength),
              looksLikeWholeSlide(header: header),
              let file = try? DicomFile(path: path), file.sopClassUID == sopClassUID,
              let uid = file.string(.seriesInstanceUID), !uid.isEmpty else { return nil }
        return "dicom-wsi:" + uid
    }

    /// Whether `Slide` should open `path` with this reader: a folder, or a file that starts like a
    /// DICOM whole-slide image.
    public static func handles(path: String) -> Bool {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { return false }
        if isDir.boolValue { return true }
        guard let header = try? FileHeader.read(path: path, count: InspectorRegistry.headerLength) else { return false }
        return looksLikeWholeSlide(header: header)
    }

    /// The whole-slide files directly in `folder` (other files, DICOM or not, are left out).
    static func wholeSlideFiles(in folder: String) throws -> [DicomFile] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder) } catch {
            throw ReticleError(.io, file: folder, "cannot list folder: \(error.localizedDescription)")
        }
        var out: [DicomFile] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let p = (folder as NSString).appendingPathComponent(name)
            guard let header = try? FileHeader.read(path: p, count: InspectorRegistry.headerLength),
                  looksLikeWholeSlide(header: header) else { continue }
            let f = try DicomFile(path: p)
            if f.sopClassUID == sopClassUID { out.append(f) }
        }
        return out
    }

    // MARK: - Structure

    /// Groups VOLUME files by total pixel matrix size into levels, largest first, and maps each
    /// level's tile grid to (file, frame).
    static func levels(of volumes: [DicomFile], path: String) throws -> [Level] {
        struct Part { let file: DicomFile; let info: DicomImageInfo; let width: Int; let height: Int }
        var parts: [Part] = []
        for f in volumes {
            if let planes = f.number(.totalPixelMatrixFocalPlanes), planes != 1 {
                throw ReticleError(.unsupported, file: f.path, "\(Int(planes)) focal planes (TotalPixelMatrixFocalPlanes): only single-plane slides are read")
            }
            if let paths = f.number(.numberOfOpticalPaths), paths != 1 {
                throw ReticleError(.unsupported, file: f.path, "\(Int(paths)) optical paths (NumberOfOpticalPaths): only single-path (brightfield) slides are read")
            }
            guard let w = f.number(.totalPixelMatrixColumns), let h = f.number(.totalPixelMatrixRows),
                  w >= 1, h >= 1, w <= Double(maxSide), h <= Double(maxSide) else {
                throw ReticleError(.corrupt, file: f.path, "missing or impossible TotalPixelMatrixColumns/TotalPixelMatrixRows (0048,0006/0007)")
            }
            let info = try f.imageInfo()
            parts.append(Part(file: f, info: info, width: Int(w), height: Int(h)))
        }
        let sizes = Set(parts.map { [$0.width, $0.height] }).sorted { ($0[0] * $0[1], $0[0]) > ($1[0] * $1[1], $1[0]) }
        return try sizes.map { size in
            // Concatenated TILED_FULL parts continue each other's frame numbering, in offset order.
            let members = parts.filter { $0.width == size[0] && $0.height == size[1] }.sorted {
                ($0.file.number(.concatenationFrameOffsetNumber) ?? 0, $0.file.number(.instanceNumber) ?? 0, $0.file.path)
                    < ($1.file.number(.concatenationFrameOffsetNumber) ?? 0, $1.file.number(.instanceNumber) ?? 0, $1.file.path)
            }
            let tw = members[0].info.columns, th = members[0].info.rows
            for m in members where m.info.columns != tw || m.info.rows != th {
                throw ReticleError(.corrupt, file: m.file.path, "tiles of \(m.info.columns) × \(m.info.rows) in a level of \(tw) × \(th) tiles")
            }
            let across = (size[0] + tw - 1) / tw, down = (size[1] + th - 1) / th
            guard across * down <= maxTiles else {
                throw ReticleError(.unsupported, file: members[0].file.path, "\(across * down) tiles in one level: more than \(maxTiles)")
            }
            var tiles = [Int64](repeating: -1, count: across * down)
            var next = 0  // next TILED_FULL position over the concatenated parts
            for (index, m) in members.enumerated() {
                let organization = m.file.string(.dimensionOrganizationType)?.trimmingCharacters(in: .whitespaces).uppercased()
                let sparse = organization == "TILED_SPARSE" || (organization == nil && m.file.valueCount(.perFrameFunctionalGroupsSequence) != nil)
                if sparse {
                    let positions = try m.file.framePositions()
                    guard positions.count == m.info.frames else {
                        throw ReticleError(.corrupt, file: m.file.path, "\(positions.count) frame positions for \(m.info.frames) frames")
                    }
                    for (frame, p) in positions.enumerated() {
                        guard p.column >= 0, p.row >= 0, p.column < size[0], p.row < size[1] else {
                            throw ReticleError(.corrupt, file: m.file.path, "frame \(frame) lies at \(p.column + 1), \(p.row + 1), outside the \(size[0]) × \(size[1]) matrix")
                        }
                        guard p.column % tw == 0, p.row % th == 0 else {
                            throw ReticleError(.unsupported, file: m.file.path, "frame \(frame) at \(p.column + 1), \(p.row + 1) is not on the \(tw) × \(th) tile grid")
                        }
                        tiles[(p.row / th) * across + p.column / tw] = Int64(index) << 32 | Int64(frame)
                    }
                } else {
                    guard next + m.info.frames <= across * down else {
                        throw ReticleError(.corrupt, file: m.file.path, "\(next + m.info.frames) frames for a TILED_FULL grid of \(across * down) tiles")
                    }
                    for frame in 0..<m.info.frames { tiles[next + frame] = Int64(index) << 32 | Int64(frame) }
                    next += m.info.frames
                }
            }
            return Level(width: size[0], height: size[1], tileWidth: tw, tileHeight: th, files: members.map(\.file),
                         infos: members.map(\.info), tiles: tiles)
        }
    }

    /// OpenSlide-style keys (openslide.mpp-x/y, openslide.objective-power, dicom.*), and where the
    /// scale came from: the level's pixel spacing, else the imaged width over the matrix width.
    static func properties(_ f: DicomFile, levels: [SlideSource.Level], seriesUID: String, files: Int) -> [String: String] {
        var p: [String: String] = ["openslide.vendor": "dicom", "openslide.level-count": String(levels.count),
                                   "dicom.SeriesInstanceUID": seriesUID, "dicom.files": String(files)]
        for (key, tag) in [("dicom.Manufacturer", DicomTag.manufacturer), ("dicom.ImageType", .imageType),
                           ("dicom.DimensionOrganizationType", .dimensionOrganizationType), ("dicom.PhotometricInterpretation", .photometricInterpretation)] {
            if let v = f.string(tag) { p[key] = v }
        }
        p["dicom.TransferSyntaxUID"] = f.transferSyntax.uid
        let measures: [DicomTag] = [.sharedFunctionalGroupsSequence, .pixelMeasuresSequence]
        let spacings: [(Double?, Double?, String)] = [
            (f.number(in: measures, .pixelSpacing), f.number(in: measures, .pixelSpacing, index: 1),
             "SharedFunctionalGroupsSequence > PixelMeasuresSequence > PixelSpacing"),
            (f.number(.pixelSpacing), f.number(.pixelSpacing, index: 1), "PixelSpacing (0028,0030)"),
        ]
        var mpp: (x: Double, y: Double, detail: String)?
        for (row, column, name) in spacings {
            if let row, let column, row > 0, column > 0 {
                mpp = (column * 1000, row * 1000, "\(name) = \(DicomFile.format(row))\\\(DicomFile.format(column)) mm")
                break
            }
        }
        if mpp == nil, let w = f.number(.imagedVolumeWidth), let h = f.number(.imagedVolumeHeight), w > 0, h > 0,
           let level0 = levels.first {
            mpp = (w * 1000 / Double(level0.width), h * 1000 / Double(level0.height),
                   "ImagedVolumeWidth/Height \(DicomFile.format(w)) × \(DicomFile.format(h)) mm over TotalPixelMatrixColumns/Rows \(level0.width) × \(level0.height)")
        }
        if let mpp {
            p["openslide.mpp-x"] = String(Medical.tidy(mpp.x))
            p["openslide.mpp-y"] = String(Medical.tidy(mpp.y))
            p["dicom.mpp-detail"] = mpp.detail
        }
        if let power = f.number(in: [.opticalPathSequence], .objectiveLensPower), power > 0 {
            p["openslide.objective-power"] = DicomFile.format(power)
        }
        return p
    }

    // MARK: - Pixels

    public func readRegion(x: Int, y: Int, level: Int, width: Int, height: Int) throws -> Image {
        guard pyramid.indices.contains(level) else {
            throw ReticleError(.usage, file: path, "level \(level) out of range (\(pyramid.count) levels)")
        }
        guard width > 0, height > 0, width.multipliedReportingOverflow(by: height).partialValue <= SlideSource.maxRegionPixels,
              width <= SlideSource.maxRegionPixels, height <= SlideSource.maxRegionPixels else {
            throw ReticleError(.usage, file: path, "region \(width) × \(height) is empty or larger than \(SlideSource.maxRegionPixels) pixels")
        }
        let l = pyramid[level]
        let ds = levels[level].downsample
        // Level coordinates of the level-0 origin, as OpenSlide computes them.
        let lx = Int((Double(x) / ds).rounded(.down)), ly = Int((Double(y) / ds).rounded(.down))
        var out = [UInt8](repeating: 255, count: width * height * 3)
        let x0 = max(lx, 0), y0 = max(ly, 0), x1 = min(lx + width, l.width), y1 = min(ly + height, l.height)
        if x0 < x1, y0 < y1 {
            for row in (y0 / l.tileHeight)...((y1 - 1) / l.tileHeight) {
                for column in (x0 / l.tileWidth)...((x1 - 1) / l.tileWidth) {
                    let stored = l.tiles[row * l.across + column]
                    if stored < 0 { continue }  // absent in a sparse tiling: glass
                    let rgb = try tile(level: level, index: row * l.across + column, stored: stored)
                    let tx = column * l.tileWidth, ty = row * l.tileHeight
                    let cx0 = max(x0, tx), cx1 = min(x1, tx + l.tileWidth, l.width)
                    let cy0 = max(y0, ty), cy1 = min(y1, ty + l.tileHeight, l.height)
                    guard cx0 < cx1 else { continue }
                    rgb.withUnsafeBufferPointer { src in
                        out.withUnsafeMutableBufferPointer { dst in
                            let n = (cx1 - cx0) * 3
                            for yy in cy0..<cy1 {
                                let s = ((yy - ty) * l.tileWidth + (cx0 - tx)) * 3
                                let d = ((yy - ly) * width + (cx0 - lx)) * 3
                                dst.baseAddress!.advanced(by: d).update(from: src.baseAddress!.advanced(by: s), count: n)
                            }
                        }
                    }
                }
            }
        }
        let mpp = properties["openslide.mpp-x"].flatMap(Double.init).map { $0 * ds }
        return Image(width: width, height: height, channels: 3, storage: .uint8(out),
                     calibration: mpp.map { Calibration(umPerPixel: $0, source: .vendorMetadata, detail: properties["dicom.mpp-detail"]) })
    }

    /// One tile's RGB, from the cache or decoded (a tile that fails to decode throws `.corrupt`
    /// naming the file and frame: the caller skips and counts it).
    private func tile(level: Int, index: Int, stored: Int64) throws -> [UInt8] {
        let key = level << 40 | index
        if let hit = cache.get(key) { return hit }
        let l = pyramid[level]
        let fileIndex = Int(stored >> 32), frame = Int(stored & 0xFFFF_FFFF)
        let rgb = try l.files[fileIndex].rgb8(frame: frame, info: l.infos[fileIndex])
        cache.put(key, rgb)
        return rgb
    }
}

/// A small least-recently-used cache of decoded tiles: neighbouring regions share tiles.
private final class TileCache: @unchecked Sendable {  // every access holds the lock
    private let capacity: Int
    private var tiles: [Int: (rgb: [UInt8], used: UInt64)] = [:]
    private var clock: UInt64 = 0
    private let lock = NSLock()

    init(capacity: Int) { self.capacity = capacity }

    func get(_ key: Int) -> [UInt8]? {
        lock.withLock {
            guard let hit = tiles[key] else { return nil }
            clock += 1
            tiles[key] = (hit.rgb, clock)
            return hit.rgb
        }
    }

    func put(_ key: Int, _ rgb: [UInt8]) {
        lock.withLock {
            clock += 1
            if tiles[key] == nil, tiles.count >= capacity, let oldest = tiles.min(by: { $0.value.used < $1.value.used })?.key {
                tiles.removeValue(forKey: oldest)
            }
            tiles[key] = (rgb, clock)
        }
    }
}
