// Which items are in flight, kept on disk, so that an item that took the process down is known on
// the next run: DESIGN.md "A crash cannot take the batch with it". Items run in-process (fast,
// shared model), so a decoder that faults ends every item at once; without this, every rerun
// would die at the same file and no table would ever be written.
//
// Each item in flight has a marker `OUT/.running/<id>.running`: one JSON line (pid, host, file,
// earlier deaths), plus "crashed SIGNAME" when the crash handler (Sources/CSupport) saw the
// fault on the item's own thread. A marker left by a process that no longer runs means that run
// ended with the item unfinished. A noted crash blames the item at once; a death without a
// signal (SIGKILL, the kernel's out-of-memory killer, power) is retried once, since it usually
// says nothing about the item, and blamed when it happens again.

import CSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct CrashJournal: Sendable {
    /// What an earlier run left behind for one item.
    struct Leftover: Equatable, Sendable {
        /// The signal the crash handler noted; nil when the process ended without one.
        var signal: String?
        /// Runs that ended with this item in flight, the one that left the marker included.
        var deaths: Int

        /// The item is recorded as an error instead of being tried again.
        var isCulprit: Bool { signal != nil || deaths >= CrashJournal.deathsBeforeBlame }

        /// The error row's reason.
        var reason: String {
            let how = signal.map { "the process died (\($0)) while processing this file" }
                ?? "the process ended \(deaths) times while this file was in progress (killed, or out of memory)"
            return "\(how) in an earlier run; not tried again (rerun with --retry-crashed to try it)"
        }
    }

    /// Deaths without a noted signal before an item is blamed.
    static let deathsBeforeBlame = 2

    let dir: URL

    /// Creates `OUT/.running` when missing (beside items/, which holds records only).
    init(outDir: URL) throws {
        dir = outDir.appendingPathComponent(".running")
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw ReticleError(.io, file: dir.path, "cannot create the crash journal folder: \(error.localizedDescription)")
        }
    }

    /// Installs the crash handlers (once per process).
    static func installHandlers() { _ = rt_crash_guard_install() }

    func markerURL(_ id: String) -> URL { dir.appendingPathComponent(id + ".running") }

    /// Marks `item` in flight on this thread; `deaths` carries earlier deaths with it in flight.
    func begin(_ item: InputItem, deaths: Int) {
        let line: JSONValue = ["pid": .number(Double(getpid())), "host": .string(Self.host),
                               "file": .string(item.displayPath), "deaths": .number(Double(deaths))]
        let path = markerURL(item.id).path
        // Best effort: a marker that cannot be written only loses the note, never the item.
        guard FileManager.default.createFile(atPath: path, contents: Data((line.serialized() + "\n").utf8)) else { return }
        _ = rt_crash_guard_enter(path, item.displayPath)
    }

    /// The item finished; its marker goes whether or not its record could be saved. An unsaved
    /// record (full disk, read-only folder) already makes the next run redo the item, and a kept
    /// marker would count as a death there: two runs into a full disk would blame the item.
    func end(_ item: InputItem) {
        rt_crash_guard_leave()
        clear(item.id)
    }

    func clear(_ id: String) { unlink(markerURL(id).path) }

    /// Removes the folder once no item is in flight (rmdir refuses while markers remain).
    func removeIfEmpty() { rmdir(dir.path) }

    /// Markers among `ids` left by processes that no longer run. A marker of a live process on
    /// this host (another run sharing the folder) is not a leftover.
    func leftovers(for ids: [String]) -> [String: Leftover] {
        var found: [String: Leftover] = [:]
        for id in ids {
            guard let data = FileManager.default.contents(atPath: markerURL(id).path) else { continue }
            let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
            let head = lines.first.flatMap { try? JSONValue.parse(Data($0.utf8)) }?.objectValue
            let pid = head?["pid"]?.doubleValue.flatMap { Int32(exactly: $0) }
            if let pid, head?["host"]?.stringValue == Self.host, pid != getpid(), Self.isRunning(pid) { continue }
            let signal = lines.dropFirst().lazy.compactMap { line -> String? in
                line.hasPrefix("crashed ") ? String(line.dropFirst("crashed ".count)) : nil
            }.first
            let earlier = head?["deaths"]?.doubleValue.flatMap { Int(exactly: $0) }.map { min(max(0, $0), 1000) } ?? 0
            found[id] = Leftover(signal: signal, deaths: earlier + 1)
        }
        return found
    }

    /// This host's name, so that process ids are only compared on the machine they belong to.
    static let host: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
        return String(cString: buffer)
    }()

    static func isRunning(_ pid: Int32) -> Bool {
        pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
    }
}
