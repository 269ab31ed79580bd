// zlib decompression (MATLAB's miCOMPRESSED elements, ZIP members), with an output cap so that a
// small hostile stream cannot inflate into all of memory. Also the matching compressor, so that
// archives Reticle writes (and tests build) use the same library.

import CZlib
import Foundation

public enum Inflate {
    /// The wrapper around the deflate data.
    public enum Framing: Sendable {
        /// A zlib stream (2-byte header, Adler-32 trailer): MAT files.
        case zlib
        /// Bare deflate data: ZIP members.
        case raw

        var windowBits: Int32 { self == .zlib ? 15 : -15 }
    }

    /// Inflates a complete zlib stream; throws when it is damaged, cut short, or would exceed `limit` bytes.
    public static func zlib(_ input: Data, limit: Int, file: String, what: String) throws -> Data {
        try inflate(input, framing: .zlib, limit: limit, file: file, what: what)
    }

    /// Inflates a complete stream in `framing`; throws when it is damaged, cut short, or would exceed `limit` bytes.
    public static func inflate(_ input: Data, framing: Framing, limit: Int, file: String, what: String) throws -> Data {
        var stream = z_stream()
        guard inflateInit2_(&stream, framing.windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ReticleError(.io, file: file, "zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var output = Data()
        let chunk = 1 << 20
        var buffer = [UInt8](repeating: 0, count: chunk)
        var status: Int32 = Z_OK
        let bytes = input.startIndex == 0 ? input : Data(input)
        try bytes.withUnsafeBytes { (src: UnsafeRawBufferPointer) in
            stream.next_in = UnsafeMutablePointer(mutating: src.bindMemory(to: Bytef.self).baseAddress)
            stream.avail_in = uInt(src.count)
            repeat {
                status = buffer.withUnsafeMutableBufferPointer { out -> Int32 in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(chunk)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk - Int(stream.avail_out)
                // We always offer output space, so a buffer error means the input ran out mid-stream.
                if status == Z_BUF_ERROR || (status == Z_OK && produced == 0 && stream.avail_in == 0) {
                    throw ReticleError(.corrupt, file: file, "\(what): zlib data is cut short")
                }
                guard status == Z_OK || status == Z_STREAM_END else {
                    let msg = stream.msg.map { String(cString: $0) } ?? "code \(status)"
                    throw ReticleError(.corrupt, file: file, "\(what): zlib data is damaged (\(msg))")
                }
                guard output.count + produced <= limit else {
                    throw ReticleError(.corrupt, file: file, "\(what) inflates to more than \(limit) bytes; refusing")
                }
                output.append(contentsOf: buffer[0..<produced])
            } while status != Z_STREAM_END
        }
        return output
    }

    /// Compresses `input` at zlib's default level in `framing`.
    public static func deflate(_ input: Data, framing: Framing) -> Data {
        var stream = z_stream()
        let started = deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, framing.windowBits, 8, Z_DEFAULT_STRATEGY,
                                    ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        precondition(started == Z_OK, "zlib deflate could not start")
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(input.count)))
        var out = [UInt8](repeating: 0, count: bound)
        let bytes = input.startIndex == 0 ? input : Data(input)
        let produced = bytes.withUnsafeBytes { (src: UnsafeRawBufferPointer) -> Int in
            out.withUnsafeMutableBufferPointer { dst -> Int in
                stream.next_in = UnsafeMutablePointer(mutating: src.bindMemory(to: Bytef.self).baseAddress)
                stream.avail_in = uInt(src.count)
                stream.next_out = dst.baseAddress
                stream.avail_out = uInt(bound)
                let status = CZlib.deflate(&stream, Z_FINISH)
                precondition(status == Z_STREAM_END, "deflateBound was too small")
                return bound - Int(stream.avail_out)
            }
        }
        return Data(out[0..<produced])
    }

    /// CRC-32 (ZIP, PNG) of `data`.
    public static func crc32(_ data: Data) -> UInt32 {
        data.withUnsafeBytes { (p: UnsafeRawBufferPointer) -> UInt32 in
            guard let base = p.bindMemory(to: Bytef.self).baseAddress else { return 0 }
            var crc: uLong = 0
            var offset = 0
            // zlib takes 32-bit lengths.
            while offset < p.count {
                let n = Swift.min(p.count - offset, 1 << 30)
                crc = CZlib.crc32(crc, base + offset, uInt(n))
                offset += n
            }
            return UInt32(truncatingIfNeeded: crc)
        }
    }
}
