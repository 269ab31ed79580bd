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

    /// A new temporary's name beside `url`.
    static func temporary(for url: URL) -> URL {
        url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent)\(temporaryMarker)\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    }

    /// Creates `tmp` for writing the contents of `target`; -1 with errno set when refused (an
    /// injected read-only fault on `target` refuses it as the file system would).
    static func create(_ tmp: URL, for target: URL) -> Int32 {
        if let refused = FaultInjection.writeRefusal(for: target.path) ?? FaultInjection.writeRefusal(for: tmp.path) {
            errno = refused
            return -1
        }
        return open(tmp.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    }

    /// Creates and removes a temporary file in `folder`, so that a folder that cannot be written
    /// (read-only file system, no permission, gone) is found before any work is done, not at the
    /// first result. Returns nil when it can be written, else the system's reason.
    public static func writeCheck(folder: URL) -> String? {
        let probe = temporary(for: folder.appendingPathComponent("write-check"))
        let fd = create(probe, for: probe)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        close(fd)
        unlink(probe.path)
        return nil
    }

    public static func write(_ data: Data, to url: URL) throws {
        let tmp = temporary(for: url)
        let fd = create(tmp, for: url)
        guard fd >= 0 else {
            throw ReticleError(.io, file: url.path, "cannot write: \(String(cString: strerror(errno)))")
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
        let tmp = temporary(for: url)
        // The library opens the temporary itself; an injected refusal stops it before it does.
        if let refused = FaultInjection.writeRefusal(for: url.path) ?? FaultInjection.writeRefusal(for: tmp.path) {
            throw ReticleError(.io, file: url.path, "cannot write: \(String(cString: strerror(refused)))")
        }
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
