// BMP in pure Swift. Reads 1/4/8-bit palette (gray palettes give 1 channel), 16/24/32-bit,
// BI_RGB and BI_BITFIELDS, bottom-up and top-down, RLE8/RLE4. Writes 8-bit gray as a
// palette image, RGB as 24-bit and RGBA as 32-bit with a V4 header carrying the alpha mask.

import Foundation

enum BMPCodec {
    static let resolutionDetail = "BMP pixels per metre"

    /// Everything the headers say, checked against the file's size.
    private struct Header {
        var width = 0, height = 0, topDown = false
        var bitCount = 0, compression = 0
        var pixelOffset = 0
        var masks: [UInt32] = [0, 0, 0, 0]  // R, G, B, A
        var palette: [(r: UInt8, g: UInt8, b: UInt8)] = []
        var ppmX = 0, ppmY = 0

        var grayPalette: Bool { palette.allSatisfy { $0.r == $0.g && $0.g == $0.b } }
        var channels: Int {
            if bitCount <= 8 { return grayPalette ? 1 : 3 }
            return masks[3] != 0 ? 4 : 3
        }
        var compressionName: String { [1: "rle8", 2: "rle4"][compression] ?? "none" }
        var calibration: Calibration.Reading {
            Calibration.readResolution(x: Double(ppmX), y: Double(ppmY), micronsPerUnit: 1e6,
                                       source: .vendorMetadata, detail: BMPCodec.resolutionDetail)
        }
    }

    static func info(data: Data, path: String) throws -> ImageFileInfo {
        let h = try data.withUnsafeBytes { try header($0, path: path) }
        return ImageFileInfo(format: .bmp, width: h.width, height: h.height, channels: h.channels, sampleType: .uint8,
                             bitDepth: h.bitCount, compression: h.compressionName, calibration: h.calibration.calibration,
                             calibrationNote: h.calibration.note)
    }

    static func read(data: Data, path: String) throws -> Image {
        try data.withUnsafeBytes { bytes in
            let h = try header(bytes, path: path)
            let pixels = bytes[h.pixelOffset...]
            let out: [UInt8]
            if h.compression == 1 || h.compression == 2 {
                out = try applyPalette(h, rle(h, UnsafeRawBufferPointer(rebasing: pixels), path: path))
            } else if h.bitCount <= 8 {
                out = applyPalette(h, unpackIndices(h, UnsafeRawBufferPointer(rebasing: pixels)))
            } else {
                out = unpackMasked(h, UnsafeRawBufferPointer(rebasing: pixels))
            }
            var image = Image(width: h.width, height: h.height, channels: h.channels, storage: .uint8(out),
                              calibration: h.calibration.calibration)
            image.calibrationNote = h.calibration.note
            return image
        }
    }

    private static func header(_ b: UnsafeRawBufferPointer, path: String) throws -> Header {
        func corrupt(_ why: String) -> ReticleError { ReticleError(.corrupt, file: path, "BMP: \(why)") }
        func u16(_ o: Int) -> Int { Int(b[o]) | Int(b[o + 1]) << 8 }
        func u32(_ o: Int) -> UInt32 { UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24 }
        func i32(_ o: Int) -> Int { Int(Int32(bitPattern: u32(o))) }

        guard b.count >= 26, b[0] == 0x42, b[1] == 0x4D else { throw corrupt("file too short for its headers") }
        var h = Header()
        h.pixelOffset = Int(u32(10))
        let dibSize = Int(u32(14))
        guard [12, 40, 52, 56, 64, 108, 124].contains(dibSize) else { throw corrupt("unknown header size \(dibSize)") }
        guard b.count >= 14 + dibSize else { throw corrupt("file ends inside its headers (truncated)") }
        var paletteEntrySize = 4
        var colorsUsed = 0
        if dibSize == 12 {
            h.width = u16(18)
            h.height = u16(20)
            h.bitCount = u16(24)
            paletteEntrySize = 3
        } else {
            h.width = i32(18)
            let rawHeight = i32(22)
            h.topDown = rawHeight < 0
            h.height = abs(rawHeight)
            h.bitCount = u16(28)
            h.compression = Int(u32(30))
            h.ppmX = i32(38)
            h.ppmY = i32(42)
            colorsUsed = Int(u32(46))
        }
        guard [1, 4, 8, 16, 24, 32].contains(h.bitCount) else { throw corrupt("\(h.bitCount) bits per pixel") }
        var paletteStart = 14 + dibSize
        switch (h.compression, h.bitCount) {
        case (0, 16): h.masks = [0x7C00, 0x03E0, 0x001F, 0]
        case (0, 24), (0, 32): h.masks = [0xFF_0000, 0xFF00, 0xFF, 0]
        case (0, _): break
        case (1, 8), (2, 4):
            guard !h.topDown else { throw corrupt("run-length data cannot be top-down") }
        case (3, 16), (3, 32), (6, 16), (6, 32):
            let maskCount = h.compression == 6 ? 4 : 3
            if dibSize == 40 {
                guard b.count >= paletteStart + 4 * maskCount else { throw corrupt("file ends inside its colour masks") }
                for i in 0..<maskCount { h.masks[i] = u32(paletteStart + 4 * i) }
                paletteStart += 4 * maskCount
            } else {
                for i in 0..<min(dibSize >= 56 ? 4 : 3, 4) { h.masks[i] = u32(54 + 4 * i) }
            }
        default:
            throw ReticleError(.unsupported, file: path, "BMP compression \(h.compression) with \(h.bitCount) bits per pixel")
        }
        try ImageFile.checkSize(width: h.width, height: h.height, channels: 4, format: .bmp, path: path)

        if h.bitCount <= 8 {
            let count = colorsUsed == 0 ? 1 << h.bitCount : colorsUsed
            guard count <= 1 << h.bitCount, paletteStart + count * paletteEntrySize <= b.count else {
                throw corrupt("palette of \(count) colours does not fit the file")
            }
            h.palette = (0..<count).map { i in
                let o = paletteStart + i * paletteEntrySize
                return (b[o + 2], b[o + 1], b[o])
            }
        }
        guard h.pixelOffset >= 14 + dibSize, h.pixelOffset <= b.count else {
            throw corrupt("pixel data offset \(h.pixelOffset) lies outside the \(b.count)-byte file")
        }
        if h.compression != 1 && h.compression != 2 {
            let need = rowStride(h) * h.height
            let have = b.count - h.pixelOffset
            guard need <= have else {
                throw corrupt("header claims \(h.width)×\(h.height) pixels (\(need) bytes) but only \(have) bytes follow (truncated)")
            }
        }
        return h
    }

    private static func rowStride(_ h: Header) -> Int { (h.width * h.bitCount + 31) / 32 * 4 }

    /// Row `y` of the output (top first) is row `fileRow(y)` of the stored data.
    private static func fileRow(_ h: Header, _ y: Int) -> Int { h.topDown ? y : h.height - 1 - y }

    private static func unpackIndices(_ h: Header, _ src: UnsafeRawBufferPointer) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: h.width * h.height)
        let stride = rowStride(h), bits = h.bitCount, mask = UInt8((1 << bits) - 1)
        for y in 0..<h.height {
            let row = fileRow(h, y) * stride
            for x in 0..<h.width {
                let bit = x * bits
                out[y * h.width + x] = (src[row + bit / 8] >> (8 - bits - bit % 8)) & mask
            }
        }
        return out
    }

    private static func applyPalette(_ h: Header, _ indices: [UInt8]) -> [UInt8] {
        let p = h.palette
        if h.channels == 1 { return indices.map { Int($0) < p.count ? p[Int($0)].r : 0 } }
        var out = [UInt8](repeating: 0, count: indices.count * 3)
        for (i, index) in indices.enumerated() where Int(index) < p.count {
            out[3 * i] = p[Int(index)].r
            out[3 * i + 1] = p[Int(index)].g
            out[3 * i + 2] = p[Int(index)].b
        }
        return out
    }

    private static func unpackMasked(_ h: Header, _ src: UnsafeRawBufferPointer) -> [UInt8] {
        let channels = h.channels, bytes = h.bitCount / 8, stride = rowStride(h)
        // Each mask's shift and width; values are scaled to the full 8-bit range.
        let fields = h.masks.map { m -> (shift: UInt32, max: UInt32) in
            guard m != 0 else { return (0, 0) }
            let shift = UInt32(m.trailingZeroBitCount)
            return (shift, m >> shift)
        }
        var out = [UInt8](repeating: 0, count: h.width * h.height * channels)
        for y in 0..<h.height {
            let row = fileRow(h, y) * stride
            for x in 0..<h.width {
                let o = row + x * bytes
                var v = UInt32(src[o]) | UInt32(src[o + 1]) << 8
                if bytes >= 3 { v |= UInt32(src[o + 2]) << 16 }
                if bytes == 4 { v |= UInt32(src[o + 3]) << 24 }
                let base = (y * h.width + x) * channels
                for c in 0..<channels {
                    let f = fields[c]
                    out[base + c] = f.max == 0 ? 255 : UInt8(UInt64((v & h.masks[c]) >> f.shift) * 255 / UInt64(f.max))
                }
            }
        }
        return out
    }

    /// RLE8/RLE4: runs and literal spans, with end-of-line, end-of-bitmap and delta escapes.
    private static func rle(_ h: Header, _ src: UnsafeRawBufferPointer, path: String) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: h.width * h.height)
        let four = h.compression == 2
        var i = 0, x = 0, row = 0  // row counts from the bottom
        func put(_ v: UInt8) {
            if x < h.width && row < h.height { out[(h.height - 1 - row) * h.width + x] = v }
            x += 1
        }
        func truncated() -> ReticleError { ReticleError(.corrupt, file: path, "BMP: run-length data ends early (truncated)") }
        while row < h.height {
            guard i + 2 <= src.count else { throw truncated() }
            let n = Int(src[i]), v = src[i + 1]
            i += 2
            if n > 0 {
                for k in 0..<n { put(four ? (k % 2 == 0 ? v >> 4 : v & 0xF) : v) }
            } else if v == 0 {
                x = 0; row += 1
            } else if v == 1 {
                break
            } else if v == 2 {
                guard i + 2 <= src.count else { throw truncated() }
                x += Int(src[i]); row += Int(src[i + 1])
                i += 2
            } else {
                let count = Int(v)
                let bytes = four ? (count + 1) / 2 : count
                guard i + bytes <= src.count else { throw truncated() }
                for k in 0..<count {
                    let byte = src[i + (four ? k / 2 : k)]
                    put(four ? (k % 2 == 0 ? byte >> 4 : byte & 0xF) : byte)
                }
                i += (bytes + 1) & ~1  // literal spans are padded to 16 bits
            }
        }
        return out
    }

    // MARK: - Writing

    static func write(_ image: Image, to temp: String, path: String) throws {
        guard case .uint8(let px) = image.storage, [1, 3, 4].contains(image.channels) else {
            throw ReticleError(.usage, file: path,
                               "BMP holds 8-bit gray, RGB or RGBA; this image is \(image.bitDepth)-bit with \(image.channels) channels")
        }
        let w = image.width, h = image.height, ch = image.channels
        let bitCount = ch == 1 ? 8 : ch * 8
        let dibSize = ch == 4 ? 108 : 40
        let paletteBytes = ch == 1 ? 256 * 4 : 0
        let rowBytes = (w * bitCount + 31) / 32 * 4
        let offset = 14 + dibSize + paletteBytes
        let total = offset + rowBytes * h
        guard total <= Int(UInt32.max), w <= Int(Int32.max), h <= Int(Int32.max) else {
            throw ReticleError(.usage, file: path, "image too large for BMP (\(total) bytes)")
        }
        var ppm: (Int, Int) = (0, 0)
        if let c = image.calibration, c.isValid {
            ppm = (Int(min(1e6 / c.umPerPixelX, 2e9).rounded()), Int(min(1e6 / c.umPerPixelY, 2e9).rounded()))
        }

        var d = [UInt8]()
        d.reserveCapacity(total)
        func u16(_ v: Int) { d += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func u32(_ v: UInt32) { d += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }
        d += [0x42, 0x4D]
        u32(UInt32(total)); u32(0); u32(UInt32(offset))
        u32(UInt32(dibSize)); u32(UInt32(w)); u32(UInt32(h))  // positive height: bottom-up, as every reader expects
        u16(1); u16(bitCount)
        u32(ch == 4 ? 3 : 0)
        u32(UInt32(rowBytes * h)); u32(UInt32(ppm.0)); u32(UInt32(ppm.1))
        u32(ch == 1 ? 256 : 0); u32(0)
        if ch == 4 {
            u32(0x00FF_0000); u32(0x0000_FF00); u32(0x0000_00FF); u32(0xFF00_0000)
            u32(0x7352_4742)  // "sRGB"
            d += [UInt8](repeating: 0, count: 48)  // endpoints and gamma, unused for sRGB
        }
        if ch == 1 { for v in 0..<256 { d += [UInt8(v), UInt8(v), UInt8(v), 0] } }
        let padding = [UInt8](repeating: 0, count: rowBytes - w * ch)
        for y in stride(from: h - 1, through: 0, by: -1) {
            let row = y * w * ch
            if ch == 1 {
                d += px[row..<(row + w)]
            } else {
                for x in 0..<w {
                    let p = row + x * ch
                    d += [px[p + 2], px[p + 1], px[p]]
                    if ch == 4 { d.append(px[p + 3]) }
                }
            }
            d += padding
        }
        do {
            try Data(d).write(to: URL(fileURLWithPath: temp))
        } catch {
            throw ReticleError(.io, file: path, "cannot write: \(error.localizedDescription)")
        }
    }
}
