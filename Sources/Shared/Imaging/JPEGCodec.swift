// JPEG through libjpeg-turbo (CJPEG shim): 8-bit gray or RGB (CMYK/YCCK converted
// to RGB on read). JFIF density is a calibration only in dots/inch or dots/cm.

import CJPEG
import Foundation

enum JPEGCodec {
    static let densityDetail = "JFIF density"

    static func info(data: Data, path: String) throws -> ImageFileInfo {
        let h = try header(data: data, path: path)
        return ImageFileInfo(format: .jpeg, width: Int(h.width), height: Int(h.height), channels: Int(h.channels),
                             sampleType: .uint8, bitDepth: 8, compression: "jpeg",
                             calibration: calibration(h).calibration, calibrationNote: calibration(h).note)
    }

    static func read(data: Data, path: String) throws -> Image {
        var h = try header(data: data, path: path)
        var px = [UInt8](repeating: 0, count: Int(h.width) * Int(h.height) * Int(h.channels))
        var err = [CChar](repeating: 0, count: 256)
        var status: Int32 = 0
        px.withUnsafeMutableBufferPointer { out in
            data.withUnsafeBytes { src in
                status = rt_jpeg_decode(src.bindMemory(to: UInt8.self).baseAddress, src.count, &h,
                                        out.baseAddress, out.count, &err, err.count)
            }
        }
        guard status == 0 else { throw ReticleError(.corrupt, file: path, "JPEG: \(ImageFile.message(err))") }
        let reading = calibration(h)
        var image = Image(width: Int(h.width), height: Int(h.height), channels: Int(h.channels), storage: .uint8(px),
                          calibration: reading.calibration)
        image.calibrationNote = reading.note
        return image
    }

    static func write(_ image: Image, to temp: String, path: String, quality: Int) throws {
        guard case .uint8(let px) = image.storage, image.channels == 1 || image.channels == 3 else {
            throw ReticleError(.usage, file: path,
                               "JPEG holds 8-bit gray or RGB; this image is \(image.bitDepth)-bit with \(image.channels) channels")
        }
        guard (1...100).contains(quality) else {
            throw ReticleError(.usage, file: path, "JPEG quality must be 1–100, got \(quality)")
        }
        // Dots per cm, the finer of JFIF's two units; scales finer than 65535/cm cannot be stored.
        var density: (UInt32, UInt32) = (0, 0)
        if let c = image.calibration, c.isValid {
            let x = (1e4 / c.umPerPixelX).rounded(), y = (1e4 / c.umPerPixelY).rounded()
            if (1...65535).contains(x), (1...65535).contains(y) { density = (UInt32(x), UInt32(y)) }
        }
        var err = [CChar](repeating: 0, count: 256)
        let status = px.withUnsafeBufferPointer {
            rt_jpeg_encode_file(temp, $0.baseAddress, UInt32(image.width), UInt32(image.height), Int32(image.channels),
                                Int32(quality), density.0 > 0 ? 2 : 0, density.0, density.1, &err, err.count)
        }
        guard status == 0 else { throw ReticleError(.io, file: path, "JPEG: \(ImageFile.message(err))") }
    }

    private static func header(data: Data, path: String) throws -> rt_jpeg_info {
        var h = rt_jpeg_info()
        var err = [CChar](repeating: 0, count: 256)
        let status = data.withUnsafeBytes {
            rt_jpeg_decode($0.bindMemory(to: UInt8.self).baseAddress, $0.count, &h, nil, 0, &err, err.count)
        }
        guard status == 0 else { throw ReticleError(.corrupt, file: path, "JPEG: \(ImageFile.message(err))") }
        try ImageFile.checkSize(width: Int(h.width), height: Int(h.height), channels: Int(h.channels),
                                format: .jpeg, path: path)
        return h
    }

    private static func calibration(_ h: rt_jpeg_info) -> Calibration.Reading {
        guard h.has_jfif != 0 else { return .absent }
        let micronsPerUnit: Double
        switch h.density_unit {
        case 1: micronsPerUnit = 25400
        case 2: micronsPerUnit = 10000
        default: return .absent
        }
        let unit = h.density_unit == 1 ? "dpi" : "/cm"
        return Calibration.readResolution(x: Double(h.x_density), y: Double(h.y_density), micronsPerUnit: micronsPerUnit,
                                          source: .vendorMetadata,
                                          detail: "\(densityDetail) \(h.x_density)×\(h.y_density) \(unit)")
    }
}
