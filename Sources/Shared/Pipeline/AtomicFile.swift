// Whole-file writes that either land completely or not at all: write a
// temporary beside the target, flush it, rename over the target.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum AtomicFile {
    /// Marker in temporary names, so leftovers of a killed run can be recognised and removed.
    public static let temporaryMarker = ".tmp-"

    /// The process id in a temporary's name (`.NAME.tmp-PID-RANDOM`), or nil when it has none.
    public static func writer(ofTemporary name: String) -> Int32? {
        guard let r = name.range(of: temporaryMarker, options: .backwards) else { return nil }
        return name[r.upperBound...].split(separator: "-").first.flatMap { Int32($0) }
    }

    public static func write(_ data: Data, to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent)\(temporaryMarker)\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let fd = open(tmp.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else {
            throw ReticleError(.io, file: url.path, "cannot create temporary file: \(String(cString: strerror(errno)))")
        }
        let diskFull = FaultInjection.diskFull(for: url)
        var ok = data.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                if diskFull && offset >= raw.count / 2 { errno = ENOSPC; return false }
                let n = Glibc.write(fd, raw.baseAddress! + offset, (diskFull ? raw.count / 2 : raw.count) - offset)
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
        ok = ok && fsync(fd) == 0
        let writeErrno = errno
        close(fd)
        guard ok, rename(tmp.path, url.path) == 0 else {
            let reason = String(cString: strerror(ok ? errno : writeErrno))
            unlink(tmp.path)
            throw ReticleError(.io, file: url.path, "cannot write: \(reason)")
        }
    }

    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }

    /// For files a library writes by path (dcmtk, libtiff): `produce` writes a temporary beside `url`,
    /// which is renamed over `url` only when it returns; on a throw the temporary is removed.
    public static func write(to url: URL, producing produce: (URL) throws -> Void) throws {
        let tmp = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent)\(temporaryMarker)\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try produce(tmp)
        } catch {
            unlink(tmp.path)
            throw error
        }
        guard rename(tmp.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(tmp.path)
            throw ReticleError(.io, file: url.path, "cannot write: \(reason)")
        }
    }
}
