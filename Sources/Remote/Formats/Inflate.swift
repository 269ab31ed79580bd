// zlib decompression for MATLAB's miCOMPRESSED elements, with an output cap so that a
// small hostile stream cannot inflate into all of memory.

import CZlib
import Foundation
import Shared

enum Inflate {
    /// Inflates a complete zlib stream; throws when it is damaged, cut short, or would exceed `limit` bytes.
    static func zlib(_ input: Data, limit: Int, file: String, what: String) throws -> Data {
        var stream = z_stream()
        guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ReticleError(.io, file: file, "zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var output = Data()
        let chunk = 1 << 20
        var buffer = [UInt8](repeating: 0, count: chunk)
        var status: Int32 = Z_OK
        try input.withUnsafeBytes { (src: UnsafeRawBufferPointer) in
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
}
