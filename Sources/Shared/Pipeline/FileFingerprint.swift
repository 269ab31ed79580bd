// The input hash that decides whether a finished item can be skipped on rerun.

import Crypto
import Foundation

public enum FileFingerprint {
    /// Files above this size are fingerprinted from samples: hashing a whole 3 GB slide on every
    /// rerun would cost more than the skip saves.
    public static let fullHashLimit: Int64 = 512 << 20
    static let chunk = 1 << 20
    static let samples = 64

    /// `sha256:<hex>` of the whole file, or `sha256-sampled:<hex>` of its size and 64 evenly spaced
    /// 1 MiB chunks (first and last included) for files above `fullHashLimit`.
    /// A folder (a DICOM slide given as its folder) is `sha256-folder:<hex>` of its regular,
    /// non-hidden files' names and fingerprints, sorted.
    public static func of(path: String) throws -> String {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            let names: [String]
            do { names = try FileManager.default.contentsOfDirectory(atPath: path).filter { !$0.hasPrefix(".") }.sorted() } catch {
                throw ReticleError(.io, file: path, "cannot list folder: \(error.localizedDescription)")
            }
            var parts: [String] = []
            for name in names {
                let child = (path as NSString).appendingPathComponent(name)
                var childIsFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: child, isDirectory: &childIsFolder), !childIsFolder.boolValue else { continue }
                parts.append(name + "=" + (try of(path: child)))
            }
            return "sha256-folder:" + sha256(parts.joined(separator: "\n"))
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ReticleError(.io, file: path, "cannot open for reading")
        }
        defer { try? handle.close() }
        let size = Int64((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)??.int64Value ?? 0)
        var hasher = SHA256()
        if size <= fullHashLimit {
            while let data = try handle.read(upToCount: chunk), !data.isEmpty { hasher.update(data: data) }
            return "sha256:" + hex(hasher.finalize())
        }
        withUnsafeBytes(of: size.littleEndian) { hasher.update(bufferPointer: $0) }
        let last = size - Int64(chunk)
        for i in 0..<samples {
            try handle.seek(toOffset: UInt64(last * Int64(i) / Int64(samples - 1)))
            if let data = try handle.read(upToCount: chunk) { hasher.update(data: data) }
        }
        return "sha256-sampled:" + hex(hasher.finalize())
    }

    /// SHA-256 of bytes, as lowercase hex.
    public static func sha256(_ data: Data) -> String { hex(SHA256.hash(data: data)) }

    public static func sha256(_ text: String) -> String { sha256(Data(text.utf8)) }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
