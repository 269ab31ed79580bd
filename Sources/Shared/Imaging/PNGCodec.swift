// PNG through libpng (CPNG shim): 8/16-bit gray, gray+alpha, RGB, RGBA; palettes and
// 1/2/4-bit gray expand on read. pHYs (pixels per metre) carries the calibration.

import CPNG
import Foundation

enum PNGCodec {
    static let physDetail = "PNG pHYs"

    static func info(data: Data, path: String) throws -> ImageFileInfo {
        let h = try header(data: data, path: path)
        return ImageFileInfo(format: .png, width: Int(h.width), height: Int(h.height), channels: Int(h.channels),
                             sampleType: h.bit_depth == 16 ? .uint16 : .uint8, bitDepth: Int(h.stored_bit_depth),
                             compression: "deflate", calibration: calibration(h).calibration,
                             calibrationNote: calibration(h).note)
    }

    static func read(data: Data, path: String) throws -> Image {
        var h = try header(data: data, path: path)
        let count = Int(h.width) * Int(h.height) * Int(h.channels)
        var err = [CChar](repeating: 0, count: 256)
        let storage: PixelStorage
        var status: Int32 = 0
        func decode<Sample: FixedWidthInteger>(_: Sample.Type) -> [Sample] {
            var px = [Sample](repeating: 0, count: count)
            px.withUnsafeMutableBytes { out in
                data.withUnsafeBytes { src in
                    status = rt_png_decode(src.bindMemory(to: UInt8.self).baseAddress, src.count, &h,
                                           out.baseAddress, out.count, &err, err.count)
                }
            }
            return px
        }
        storage = h.bit_depth == 16 ? .uint16(decode(UInt16.self)) : .uint8(decode(UInt8.self))
        guard status == 0 else { throw ReticleError(.corrupt, file: path, "PNG: \(ImageFile.message(err))") }
        let reading = calibration(h)
        var image = Image(width: Int(h.width), height: Int(h.height), channels: Int(h.channels), storage: storage,
                          calibration: reading.calibration)
        image.calibrationNote = reading.note
        return image
    }

    static func write(_ image: Image, to temp: String, path: String) throws {
        var ppm: (UInt32, UInt32) = (0, 0)
        if let c = image.calibration, c.isValid {
            let x = (1e6 / c.umPerPixelX).rounded(), y = (1e6 / c.umPerPixelY).rounded()
            if x >= 1, y >= 1, x <= Double(Int32.max), y <= Double(Int32.max) { ppm = (UInt32(x), UInt32(y)) }
        }
        var err = [CChar](repeating: 0, count: 256)
        let status: Int32
        switch image.storage {
        case .uint8(let px):
            status = px.withUnsafeBytes {
                rt_png_encode_file(temp, $0.baseAddress, UInt32(image.width), UInt32(image.height),
                                   Int32(image.channels), 8, ppm.0, ppm.1, &err, err.count)
            }
        case .uint16(let px):
            status = px.withUnsafeBytes {
                rt_png_encode_file(temp, $0.baseAddress, UInt32(image.width), UInt32(image.height),
                                   Int32(image.channels), 16, ppm.0, ppm.1, &err, err.count)
            }
        case .float32:
            throw ReticleError(.usage, file: path,
                               "PNG holds 8 or 16-bit samples, not float32; convert with converted(to:) or write TIFF")
        }
        guard status == 0 else { throw ReticleError(.io, file: path, "PNG: \(ImageFile.message(err))") }
    }

    private static func header(data: Data, path: String) throws -> rt_png_info {
        var h = rt_png_info()
        var err = [CChar](repeating: 0, count: 256)
        let status = data.withUnsafeBytes {
            rt_png_decode($0.bindMemory(to: UInt8.self).baseAddress, $0.count, &h, nil, 0, &err, err.count)
        }
        guard status == 0 else { throw ReticleError(.corrupt, file: path, "PNG: \(ImageFile.message(err))") }
        try ImageFile.checkSize(width: Int(h.width), height: Int(h.height), channels: Int(h.channels),
                                format: .png, path: path)
        // Deflate expands at most ~1032:1, so a header promising more rows than the file
        // could hold is a lie, caught before a large allocation.
        let storedChannels: Int = [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][Int(h.color_type)] ?? 4
        let rowBytes = (Int(h.width) * storedChannels * Int(h.stored_bit_depth) + 7) / 8 + 1
        if rowBytes * Int(h.height) > 1100 * data.count + (1 << 16) {
            throw ReticleError(.corrupt, file: path,
                               "PNG header claims \(h.width)×\(h.height) pixels, more than \(data.count) bytes can hold")
        }
        return h
    }

    private static func calibration(_ h: rt_png_info) -> Calibration.Reading {
        guard h.has_phys != 0, h.phys_unit == 1 else { return .absent }
        return Calibration.readResolution(x: Double(h.phys_x), y: Double(h.phys_y), micronsPerUnit: 1e6,
                                          source: .vendorMetadata, detail: physDetail)
    }
}
