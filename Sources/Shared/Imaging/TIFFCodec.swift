// TIFF through libtiff (CTIFF shim): any page; 1–64-bit unsigned, signed and float
// samples; gray, RGB, palette, MinIsWhite; strips or tiles, contiguous or separate
// planes; whatever compression libtiff decodes. Calibration from XResolution/
// YResolution/ResolutionUnit or, for ImageJ files, from the ImageJ description's unit.
//
// Delivered sample types: 8/16-bit unsigned stay uint8/uint16 (1/2/4-bit gray is
// scaled to 0...255); signed, 32-bit integer and float samples become float32 with
// their values unchanged, so nothing is rescaled behind the user's back.

import CTIFF
import Foundation

enum TIFFCodec {
    static func pageCount(path: String) throws -> Int {
        let t = try open(path)
        defer { close(t) }
        let n = rt_tiff_page_count(t)
        guard n >= 1 else { throw ReticleError(.corrupt, file: path, "TIFF: the page directory chain is broken") }
        return Int(n)
    }

    static func info(path: String, page: Int) throws -> ImageFileInfo {
        let t = try open(path)
        defer { close(t) }
        let pages = Int(max(rt_tiff_page_count(t), 1))
        let page = try Page(t, index: page, pages: pages, path: path)
        return ImageFileInfo(format: .tiff, width: page.width, height: page.height, channels: page.channels,
                             sampleType: page.sampleType, bitDepth: Int(page.raw.bits_per_sample), pages: pages,
                             compression: compressionName(page.raw.compression),
                             layout: page.raw.tiled != 0 ? .tiled : .striped, calibration: page.calibration.calibration,
                             calibrationNote: page.calibration.note)
    }

    static func read(path: String, page index: Int) throws -> Image {
        let t = try open(path)
        defer { close(t) }
        let page = try Page(t, index: index, pages: Int(max(rt_tiff_page_count(t), 1)), path: path)
        return try page.decode(t, path: path)
    }

    // MARK: - Writing

    static func write(_ pages: [Image], to temp: String, path: String, options: ImageWriteOptions) throws {
        let compression: UInt16
        switch options.tiffCompression {
        case .none: compression = 1
        case .lzw: compression = 5
        case .jpeg: compression = 7
        case .packbits: compression = 32773
        case .deflate: compression = 8
        }
        let tile = options.tiffTileSize ?? 0
        guard tile == 0 || (tile >= 16 && tile % 16 == 0 && tile <= 65536) else {
            throw ReticleError(.usage, file: path, "TIFF tile size must be a multiple of 16, got \(tile)")
        }
        for image in pages where options.tiffCompression == .jpeg {
            guard image.sampleType == .uint8, image.channels == 1 || image.channels == 3 else {
                throw ReticleError(.usage, file: path,
                                   "JPEG-compressed TIFF holds 8-bit gray or RGB; this image is \(image.bitDepth)-bit with \(image.channels) channels")
            }
        }
        // Classic TIFF offsets are 32-bit: switch to BigTIFF well before 4 GiB.
        let bytes = pages.reduce(0) { $0 + $1.storage.count * $1.bitDepth / 8 }
        var err = [CChar](repeating: 0, count: 512)
        guard let t = rt_tiff_open(temp, bytes > 3 << 30 ? "w8" : "w", &err, err.count) else {
            throw ReticleError(.io, file: path, "TIFF: \(ImageFile.message(err))")
        }
        var closed = false
        defer { if !closed { close(t) } }
        for (i, image) in pages.enumerated() {
            var spec = rt_tiff_page()
            spec.width = UInt32(image.width)
            spec.height = UInt32(image.height)
            spec.channels = UInt16(image.channels)
            spec.bits_per_sample = UInt16(image.bitDepth)
            spec.sample_format = image.sampleType == .float32 ? 3 : 1
            spec.compression = compression
            spec.jpeg_quality = Int32(max(1, min(100, options.jpegQuality)))
            spec.tile_width = UInt32(tile)
            spec.tile_height = UInt32(tile)
            if let c = image.calibration, c.isValid {
                spec.has_resolution = 1
                spec.x_resolution = 1e4 / c.umPerPixelX
                spec.y_resolution = 1e4 / c.umPerPixelY
            }
            if pages.count > 1 {
                spec.page_number = UInt16(clamping: i)
                spec.page_count = UInt16(clamping: pages.count)
            }
            let status: Int32
            switch image.storage {
            case .uint8(let a): status = a.withUnsafeBytes { rt_tiff_write_page(t, &spec, $0.baseAddress) }
            case .uint16(let a): status = a.withUnsafeBytes { rt_tiff_write_page(t, &spec, $0.baseAddress) }
            case .float32(let a): status = a.withUnsafeBytes { rt_tiff_write_page(t, &spec, $0.baseAddress) }
            }
            guard status == 0 else {
                throw ReticleError(.io, file: path, "TIFF page \(i): \(String(cString: rt_tiff_last_error(t)))")
            }
        }
        closed = true
        guard rt_tiff_close(t, &err, err.count) == 0 else {
            throw ReticleError(.io, file: path, "TIFF: \(ImageFile.message(err))")
        }
    }

    // MARK: - One page and how to deliver it

    private struct Page {
        var raw: rt_tiff_info
        var width: Int { Int(raw.width) }
        var height: Int { Int(raw.height) }
        let spp: Int
        let channels: Int
        let sampleType: SampleType
        let calibration: Calibration.Reading

        init(_ t: OpaquePointer, index: Int, pages: Int, path: String) throws {
            guard index >= 0, index < pages else {
                throw ReticleError(.usage, file: path, "TIFF has \(pages) page(s); asked for page \(index)")
            }
            var raw = rt_tiff_info()
            guard rt_tiff_read_info(t, Int32(index), &raw) == 0 else {
                throw ReticleError(.corrupt, file: path, "TIFF page \(index): \(String(cString: rt_tiff_last_error(t)))")
            }
            self.raw = raw
            spp = Int(raw.samples_per_pixel)
            guard spp >= 1 else { throw ReticleError(.corrupt, file: path, "TIFF page \(index) has 0 samples per pixel") }
            let bits = Int(raw.bits_per_sample), format = Int(raw.sample_format)
            let hasAlpha = raw.extra_samples > 0
            if raw.needs_rgba != 0 {
                channels = hasAlpha ? 4 : 3
                sampleType = .uint8
            } else {
                switch Int(raw.photometric) {
                case 3:
                    guard raw.has_colormap != 0, bits <= 16 else {
                        throw ReticleError(.corrupt, file: path, "TIFF palette image without a usable colormap")
                    }
                    channels = 3
                case 2:
                    guard spp >= 3 else { throw ReticleError(.corrupt, file: path, "TIFF RGB page with \(spp) samples per pixel") }
                    channels = spp > 3 ? 4 : 3
                default:
                    guard spp <= 2 else {
                        throw ReticleError(.unsupported, file: path,
                                           "TIFF page with \(spp) bands of gray (a multi-band raster); images hold gray, gray+alpha, RGB or RGBA")
                    }
                    channels = spp
                }
                switch (bits, format) {
                case (1...8, 1), (1...8, 4), (1...7, _), (16, 1), (16, 4):
                    sampleType = raw.photometric == 3 ? .uint8 : bits == 16 ? .uint16 : .uint8
                case (8, 2), (16, 2), (32, 1...4), (64, 3):
                    sampleType = .float32
                default:
                    throw ReticleError(.unsupported, file: path,
                                       "TIFF \(bits)-bit samples of format \(format) (\(Self.formatName(format)))")
                }
                if raw.photometric == 0 && sampleType == .float32 {
                    throw ReticleError(.unsupported, file: path, "TIFF MinIsWhite with signed or float samples")
                }
            }
            try ImageFile.checkSize(width: Int(raw.width), height: Int(raw.height), channels: max(spp, channels),
                                    format: .tiff, path: path)
            calibration = TIFFCodec.calibration(raw)
        }

        static func formatName(_ f: Int) -> String {
            [1: "unsigned", 2: "signed", 3: "float", 4: "untyped", 5: "complex integer", 6: "complex float"][f] ?? "unknown"
        }

        func decode(_ t: OpaquePointer, path: String) throws -> Image {
            let n = width * height
            func failed() -> ReticleError {
                ReticleError(.corrupt, file: path, "TIFF: \(String(cString: rt_tiff_last_error(t)))")
            }
            if raw.needs_rgba != 0 {
                var rgba = [UInt8](repeating: 0, count: n * 4)
                let status = rgba.withUnsafeMutableBufferPointer { rt_tiff_read_rgba(t, $0.baseAddress, $0.count) }
                guard status == 0 else { throw failed() }
                if channels == 4 { return image(.uint8(rgba)) }
                var rgb = [UInt8](repeating: 0, count: n * 3)
                for p in 0..<n { for c in 0..<3 { rgb[3 * p + c] = rgba[4 * p + c] } }
                return image(.uint8(rgb))
            }
            let bits = Int(raw.bits_per_sample)
            // Common cases decode straight into the delivered array.
            if spp == channels && raw.photometric != 3 && raw.photometric != 0 {
                if bits == 8 && sampleType == .uint8 {
                    return image(.uint8(try direct(UInt8.self, n * spp, t, failed)))
                }
                if bits == 16 && sampleType == .uint16 {
                    return image(.uint16(try direct(UInt16.self, n * spp, t, failed)))
                }
                if bits == 32 && raw.sample_format == 3 {
                    return image(.float32(try direct(Float.self, n * spp, t, failed)))
                }
            }
            let elementBytes = bits <= 8 ? 1 : bits / 8
            var bytes = [UInt8](repeating: 0, count: n * spp * elementBytes)
            let status = bytes.withUnsafeMutableBytes { rt_tiff_read_samples(t, $0.baseAddress, $0.count) }
            guard status == 0 else { throw failed() }
            if raw.photometric == 3 { return image(.uint8(try expandPalette(bytes, t, path: path))) }
            var storage = convert(bytes)
            if raw.photometric == 0 { storage = invert(storage) }
            return image(storage)
        }

        private func image(_ storage: PixelStorage) -> Image {
            var image = Image(width: width, height: height, channels: channels, storage: storage,
                              calibration: calibration.calibration)
            image.calibrationNote = calibration.note
            return image
        }

        private func direct<T: Numeric>(_: T.Type, _ count: Int, _ t: OpaquePointer,
                                        _ failed: () -> ReticleError) throws -> [T] {
            var a = [T](repeating: 0, count: count)
            let status = a.withUnsafeMutableBytes { rt_tiff_read_samples(t, $0.baseAddress, $0.count) }
            guard status == 0 else { throw failed() }
            return a
        }

        /// Raw samples (spp per pixel, host order) → the delivered type, keeping the first `channels`.
        private func convert(_ bytes: [UInt8]) -> PixelStorage {
            let bits = Int(raw.bits_per_sample), format = Int(raw.sample_format)
            let n = width * height
            func each<T>(_ read: (UnsafeRawBufferPointer, Int) -> T) -> [T] {
                bytes.withUnsafeBytes { src in
                    var out = [T]()
                    out.reserveCapacity(n * channels)
                    for p in 0..<n {
                        for c in 0..<channels { out.append(read(src, p * spp + c)) }
                    }
                    return out
                }
            }
            switch (bits, sampleType) {
            case (_, .uint8) where bits < 8:
                let scale = 255 / ((1 << bits) - 1)
                return .uint8(each { src, i in src[i] &* UInt8(scale) })
            case (8, .uint8):
                return .uint8(each { src, i in src[i] })
            case (16, .uint16):
                return .uint16(each { src, i in src.load(fromByteOffset: i * 2, as: UInt16.self) })
            case (8, _):
                return .float32(each { src, i in Float(Int8(bitPattern: src[i])) })
            case (16, _):
                return .float32(each { src, i in Float(src.load(fromByteOffset: i * 2, as: Int16.self)) })
            case (32, _) where format == 3:
                return .float32(each { src, i in src.load(fromByteOffset: i * 4, as: Float.self) })
            case (32, _) where format == 2:
                return .float32(each { src, i in Float(src.load(fromByteOffset: i * 4, as: Int32.self)) })
            case (32, _):
                return .float32(each { src, i in Float(src.load(fromByteOffset: i * 4, as: UInt32.self)) })
            default:
                return .float32(each { src, i in Float(src.load(fromByteOffset: i * 8, as: Double.self)) })
            }
        }

        /// MinIsWhite: 0 is white, so flip to the MinIsBlack convention every analysis assumes.
        private func invert(_ s: PixelStorage) -> PixelStorage {
            switch s {
            case .uint8(let a): return .uint8(a.map { 255 - $0 })
            case .uint16(let a): return .uint16(a.map { 65535 - $0 })
            case .float32: return s
            }
        }

        private func expandPalette(_ indices: [UInt8], _ t: OpaquePointer, path: String) throws -> [UInt8] {
            let bits = Int(raw.bits_per_sample)
            let entries = 1 << bits
            var r = [UInt16](repeating: 0, count: entries), g = r, b = r
            guard rt_tiff_read_colormap(t, &r, &g, &b, entries) == 0 else {
                throw ReticleError(.corrupt, file: path, "TIFF: \(String(cString: rt_tiff_last_error(t)))")
            }
            // The spec says 16-bit entries; some writers store 8-bit values (as libtiff's tools check).
            let eightBit = (r + g + b).allSatisfy { $0 < 256 }
            let lut: [UInt8] = (0..<entries).flatMap { i in
                [r[i], g[i], b[i]].map { eightBit ? UInt8($0) : UInt8($0 >> 8) }
            }
            let n = width * height
            var out = [UInt8](repeating: 0, count: n * 3)
            indices.withUnsafeBytes { src in
                for p in 0..<n {
                    let i: Int = bits == 16 ? Int(src.load(fromByteOffset: p * spp * 2, as: UInt16.self)) : Int(src[p * spp])
                    out[3 * p] = lut[3 * i]
                    out[3 * p + 1] = lut[3 * i + 1]
                    out[3 * p + 2] = lut[3 * i + 2]
                }
            }
            return out
        }
    }

    // MARK: - Calibration

    /// ImageJ keeps the pixel size as 1/XResolution in the description's `unit`; everyone else
    /// uses ResolutionUnit (inch or cm; "none" is an aspect ratio, not a scale).
    static func calibration(_ raw: rt_tiff_info) -> Calibration.Reading {
        var d = raw.description
        let description = withUnsafeBytes(of: &d) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        // Aperio SVS: the scanner's pixel size is in the description ("…|MPP = 0.4990|…"),
        // where OpenSlide reads openslide.mpp-x; the resolution tags, if any, are not set by it.
        if let aperio = aperioMPP(description) { return aperio }
        guard raw.has_resolution != 0 else { return .absent }
        let x = raw.x_resolution, y = raw.y_resolution
        if description.hasPrefix("ImageJ="), let unit = imageJUnit(description) {
            return Calibration.readResolution(
                x: x, y: y, micronsPerUnit: unit.microns, source: .imagejDescription,
                detail: "ImageJ unit=\(unit.name), XResolution=\(Calibration.format(x)) /\(unit.name)")
        }
        let unit: (microns: Double, name: String)
        switch raw.resolution_unit {
        case 2: unit = (25400, "inch")
        case 3: unit = (10000, "cm")
        default: return .absent
        }
        var detail = "XResolution=\(Calibration.format(x)) /\(unit.name)"
        if x != y { detail += ", YResolution=\(Calibration.format(y)) /\(unit.name)" }
        return Calibration.readResolution(x: x, y: y, micronsPerUnit: unit.microns, source: .tiffResolution,
                                          detail: detail)
    }

    /// The `MPP = …` field of an Aperio description (fields separated by "|"), as vendor metadata.
    static func aperioMPP(_ description: String) -> Calibration.Reading? {
        guard description.hasPrefix("Aperio") else { return nil }
        for field in description.split(separator: "|") {
            let kv = field.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, kv[0] == "MPP" else { continue }
            let detail = "Aperio ImageDescription MPP = \(kv[1])"
            guard let mpp = Double(kv[1]), ScaleLimits.isPlausible(umPerPixel: mpp) else {
                return Calibration.Reading(calibration: nil, note: "\(detail) is not a plausible µm/px (\(ScaleLimits.rangeText)): no calibration")
            }
            return Calibration.Reading(calibration: Calibration(umPerPixel: mpp, source: .vendorMetadata, detail: detail), note: nil)
        }
        return nil
    }

    /// The `unit=` line of an ImageJ description as µm per unit; ImageJ writes µ as "\u00B5".
    static func imageJUnit(_ description: String) -> (name: String, microns: Double)? {
        for line in description.split(whereSeparator: \.isNewline) where line.hasPrefix("unit=") {
            let name = line.dropFirst(5).trimmingCharacters(in: .whitespaces)
            let units: [String: Double] = [
                "micron": 1, "microns": 1, "um": 1, "µm": 1, "μm": 1, "\\u00B5m": 1, "\\u00b5m": 1,
                "nm": 1e-3, "nanometer": 1e-3, "mm": 1e3, "millimeter": 1e3, "cm": 1e4, "m": 1e6,
                "meter": 1e6, "inch": 25400,
            ]
            return units[name].map { (name, $0) }
        }
        return nil
    }

    static func compressionName(_ code: UInt16) -> String {
        let names: [UInt16: String] = [
            1: "none", 2: "ccitt-rle", 3: "ccitt-g3", 4: "ccitt-g4", 5: "lzw", 6: "old-jpeg", 7: "jpeg",
            8: "adobe-deflate", 32946: "deflate", 32773: "packbits", 34712: "jpeg2000", 34887: "lerc",
            34925: "lzma", 50000: "zstd", 50001: "webp", 34676: "sgilog", 34677: "sgilog24",
        ]
        return names[code] ?? "compression-\(code)"
    }

    // MARK: - Handles

    private static func open(_ path: String) throws -> OpaquePointer {
        var err = [CChar](repeating: 0, count: 512)
        guard let t = rt_tiff_open(path, "r", &err, err.count) else {
            throw ReticleError(.corrupt, file: path, "TIFF: \(ImageFile.message(err))")
        }
        return t
    }

    private static func close(_ t: OpaquePointer) {
        var err = [CChar](repeating: 0, count: 8)
        _ = rt_tiff_close(t, &err, err.count)
    }
}
