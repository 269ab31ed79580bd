// Faults on demand, for the tests that prove a batch survives them (issue: a crash in the middle
// of a batch must leave a complete table on the next run; a full disk or a vanished input loses
// nothing; a read-only output folder is found before any item runs). Off unless
// RETICLE_INJECT_FAULT is set; the batch runner asks before each item, AtomicFile and the output
// folder checks before each write. Tests run as root, where chmod blocks no write, so a read-only
// folder has to be injected too.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

enum FaultInjection {
    enum Fault: String { case segv, trap, abort, stack, vanish, enospc, readonly, eacces }

    /// `RETICLE_INJECT_FAULT=KIND:GLOB`. KIND segv, trap, abort or stack (a stack overflow): the
    /// process faults that way when it starts an item whose display path or file name matches
    /// GLOB; vanish: that item's input file is deleted as the item starts (after the run listed
    /// and hashed it); enospc: a write of a file whose name matches GLOB stops half way with "No
    /// space left on device", as on a full disk; readonly / eacces: opening a path that matches GLOB
    /// (whole, or its last component) for writing, or creating a folder there, fails with EROFS
    /// ("Read-only file system") / EACCES ("Permission denied").
    static let planned: (fault: Fault, glob: String)? = {
        guard let spec = ProcessInfo.processInfo.environment["RETICLE_INJECT_FAULT"],
              let colon = spec.firstIndex(of: ":"), let fault = Fault(rawValue: String(spec[..<colon])) else { return nil }
        return (fault, String(spec[spec.index(after: colon)...]))
    }()

    static func beforeItem(_ item: InputItem) {
        guard let (fault, glob) = planned,
              Glob.matches(glob, item.displayPath) || Glob.matches(glob, (item.displayPath as NSString).lastPathComponent)
        else { return }
        switch fault {
        case .segv: raise(SIGSEGV)
        case .abort: abort()
        case .trap: fatalError("injected fault while processing \(item.displayPath)")
        case .stack: _ = overflow(1)
        case .vanish: unlink(item.path)
        case .enospc, .readonly, .eacces: break
        }
    }

    /// Whether a write of `url` is to fail as on a full disk.
    static func diskFull(for url: URL) -> Bool {
        guard let (fault, glob) = planned, fault == .enospc else { return false }
        return Glob.matches(glob, url.lastPathComponent)
    }

    /// The errno with which opening `path` for writing (or creating it as a folder) is to fail, or
    /// nil when no readonly/eacces fault is planned for it.
    static func writeRefusal(for path: String) -> Int32? {
        guard let (fault, glob) = planned else { return nil }
        let code: Int32
        switch fault {
        case .readonly: code = EROFS
        case .eacces: code = EACCES
        default: return nil
        }
        return Glob.matches(glob, path) || Glob.matches(glob, (path as NSString).lastPathComponent) ? code : nil
    }

    /// Recurses until the stack runs out (each frame keeps a buffer the optimiser cannot drop).
    @inline(never)
    static func overflow(_ depth: Int) -> Int {
        var frame = [UInt8](repeating: UInt8(truncatingIfNeeded: depth), count: 64)
        return withUnsafeMutableBytes(of: &frame) { _ in depth } &+ overflow(depth &+ 1) &+ Int(frame[depth & 63])
    }
}
