// Turns command-line inputs (files, folders, list files) into a sorted,
// de-duplicated list of items with stable ids.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct InputCollector: Sendable {
    /// Globs matched against the file name and against the display path; empty means everything.
    public var include: [String]
    public var exclude: [String]
    /// Descend into sub-folders of folder inputs.
    public var recursive: Bool
    /// Which files found in folders and list files are taken (by path); nil takes every file.
    /// Files it refuses are skipped, not error rows: a folder of micrographs holds notes,
    /// spreadsheets and Thumbs.db. Files named on the command line are always taken.
    public var accepts: (@Sendable (String) -> Bool)?
    /// The object a file is one part of (the files of one DICOM whole-slide image), or nil when it
    /// stands alone: parts of one object in one folder become one item, the first by display path.
    public var partOf: (@Sendable (String) -> String?)?
    /// What the output folder already records (`RecordedInput.read`): an input it records keeps that
    /// record's id, and new inputs take ids no record holds (see `assignIDs`).
    public var recorded: [RecordedInput] = []

    public init(include: [String] = [], exclude: [String] = [], recursive: Bool = true,
                accepts: (@Sendable (String) -> Bool)? = nil) {
        self.include = include
        self.exclude = exclude
        self.recursive = recursive
        self.accepts = accepts
    }

    /// What the arguments expanded to.
    public struct Selection: Sendable {
        public var items: [InputItem]
        /// Display paths of files in folders and lists that `accepts` refused, sorted.
        public var skipped: [String]

        /// The items, or a usage error naming the arguments and filters when nothing matched.
        public func requireItems(_ arguments: [String], include: [String] = [], exclude: [String] = []) throws -> [InputItem] {
            guard items.isEmpty else { return items }
            var why = "no inputs matched \(arguments.isEmpty ? "(no arguments)" : arguments.joined(separator: " "))"
            if !include.isEmpty { why += " with --include \(include.joined(separator: " "))" }
            if !exclude.isEmpty { why += " with --exclude \(exclude.joined(separator: " "))" }
            if !skipped.isEmpty { why += "; \(skipped.count) file(s) skipped as not of a format Reticle reads (--all-files takes them)" }
            throw ReticleError(.usage, why)
        }
    }

    /// Expands `arguments`: a file is one item; a folder gives its files (hidden ones skipped);
    /// `@list.txt` reads one path per line (blank lines and `#` comments skipped, relative paths
    /// resolved against the list's folder). Globs filter folder and list contents, not explicit files.
    /// A list entry that does not exist stays an item (its error row names it; the run goes on).
    /// - Throws: `ReticleError(.usage)` naming a command-line argument that does not exist.
    public func collect(_ arguments: [String]) throws -> [InputItem] {
        try select(arguments).items
    }

    /// `collect`, also telling which scanned files `accepts` refused.
    public func select(_ arguments: [String]) throws -> Selection {
        var found: [(path: String, display: String)] = []
        var skipped: [String] = []
        func take(_ candidates: [(path: String, display: String)]) {
            for c in candidates {
                if let accepts, !accepts(c.path) { skipped.append(c.display) } else { found.append(c) }
            }
        }
        for arg in arguments {
            if arg.hasPrefix("@") {
                let list = String(arg.dropFirst())
                for line in try Self.readList(list) {
                    let path = line.hasPrefix("/") ? line
                        : URL(fileURLWithPath: list).deletingLastPathComponent().appendingPathComponent(line).path
                    guard FileManager.default.fileExists(atPath: path) else {
                        if matches(path: line) { found.append((path, line)) }
                        continue
                    }
                    if try isDirectory(path) {
                        take(try walk(path))
                    } else if matches(path: line) {
                        take([(path, line)])
                    }
                }
            } else if try isDirectory(arg) {
                take(try walk(arg))
            } else {
                found.append((arg, (arg as NSString).lastPathComponent))
            }
        }
        var parts = Set<String>()
        if let partOf { (found, parts) = Self.onePerObject(found, partOf) }
        return Selection(items: Self.assignIDs(found, parts: parts, recorded: recorded), skipped: skipped.sorted())
    }

    /// Keeps the first file (by display path) of each multi-file object of a folder, and says which
    /// kept files stand for such an object.
    static func onePerObject(_ found: [(path: String, display: String)], _ partOf: (String) -> String?)
        -> (kept: [(path: String, display: String)], parts: Set<String>) {
        var seen = Set<String>()
        var parts = Set<String>()
        let kept = found.sorted { $0.display < $1.display }.filter { f in
            guard let key = partOf(f.path) else { return true }
            let folder = URL(fileURLWithPath: f.path).standardizedFileURL.deletingLastPathComponent().path
            guard seen.insert(folder + "\u{0}" + key).inserted else { return false }
            parts.insert(f.path)
            return true
        }
        return (kept, parts)
    }

    private func isDirectory(_ path: String) throws -> Bool {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw ReticleError(.usage, file: path, "no such file or folder")
        }
        return isDir.boolValue
    }

    private func walk(_ folder: String) throws -> [(path: String, display: String)] {
        let base = URL(fileURLWithPath: folder).standardizedFileURL
        let prefix = base.lastPathComponent
        var out: [(String, String)] = []
        var pending = [""]
        while let rel = pending.popLast() {
            let dir = rel.isEmpty ? base : base.appendingPathComponent(rel)
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            } catch {
                throw ReticleError(.io, file: dir.path, "cannot list folder: \(error.localizedDescription)")
            }
            for name in names where !name.hasPrefix(".") {
                let childRel = rel.isEmpty ? name : rel + "/" + name
                let child = base.appendingPathComponent(childRel).path
                var isDir: ObjCBool = false
                guard FileManager.default.fileExists(atPath: child, isDirectory: &isDir) else { continue }
                if isDir.boolValue {
                    if recursive { pending.append(childRel) }
                } else if matches(path: childRel) {
                    out.append((child, prefix + "/" + childRel))
                }
            }
        }
        return out
    }

    /// Include/exclude test on a relative path and on its last component.
    public func matches(path: String) -> Bool {
        let name = (path as NSString).lastPathComponent
        let hit = { (glob: String) in Glob.matches(glob, name) || Glob.matches(glob, path) }
        if !include.isEmpty && !include.contains(where: hit) { return false }
        return !exclude.contains(where: hit)
    }

    static func readList(_ list: String) throws -> [String] {
        guard let text = try? String(contentsOfFile: list, encoding: .utf8) else {
            throw ReticleError(.usage, file: list, "cannot read list file")
        }
        return text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    /// Sorted by display path, duplicates (same resolved path) dropped, ids made unique.
    ///
    /// An id comes from the file itself, not from how it was named: `lab/a.tif` given as a file, found
    /// in `lab/`, in `lab/..`, or through a list or a symlinked folder is `a.tif` every time, so a rerun
    /// that names it differently resumes it instead of grading it twice. Files of one name get as many of
    /// their resolved parent folders as tell them apart (`x__a.tif`, `y__a.tif`); a file that is one part
    /// of a multi-file object (a DICOM slide's first file) starts with its folder, which names the object.
    ///
    /// Into a folder that already holds records (`recorded`), an id does not depend on the run's other inputs
    /// either: an input the folder records keeps that record's id, and the others take ids no record holds
    /// (`keepRecordedIDs`). `fingerprint` (the input hash) is asked only for inputs that share a name with a
    /// record no input claimed by its path.
    static func assignIDs(_ found: [(path: String, display: String)], parts: Set<String> = [],
                          recorded: [RecordedInput] = [],
                          fingerprint: (String) -> String? = { try? FileFingerprint.of(path: $0) }) -> [InputItem] {
        var seenPaths = Set<String>()
        var unique: [(path: String, display: String, components: [String])] = []
        var keys: [String] = []
        for f in found.sorted(by: { $0.display < $1.display }) {
            let resolved = URL(fileURLWithPath: f.path).standardizedFileURL.resolvingSymlinksInPath().path
            guard seenPaths.insert(resolved).inserted else { continue }
            unique.append((f.path, f.display, resolved.split(separator: "/").map(String.init)))
            keys.append(RecordedInput.pathKey(resolved))
        }
        func suffix(_ components: [String], _ depth: Int) -> String {
            components.suffix(depth).joined(separator: "/")
        }
        var depth = unique.map { parts.contains($0.path) ? min(2, $0.components.count) : 1 }
        // Deepen every member of a clash until no two share an id or their paths run out.
        while true {
            var groups: [String: [Int]] = [:]
            for (i, u) in unique.enumerated() { groups[ItemID.make(from: suffix(u.components, depth[i])), default: []].append(i) }
            var deepened = false
            for members in groups.values where members.count > 1 {
                // Files of one folder whose names differ only in characters an id cannot hold gain
                // nothing from their folders: the hash below tells them apart.
                let folders = Set(members.map { unique[$0].components.dropLast().joined(separator: "/") })
                guard folders.count > 1 else { continue }
                for i in members where depth[i] < unique[i].components.count {
                    depth[i] += 1
                    deepened = true
                }
            }
            if !deepened { break }
        }
        var usedIDs = Set<String>()
        var ids = unique.enumerated().map { i, f in
            let name = suffix(f.components, depth[i])
            var id = ItemID.make(from: name)
            // Names that differ only in characters an id cannot hold (`a b.tif`, `a_b.tif`).
            if !usedIDs.insert(id).inserted {
                id = ItemID.make(from: name) + "~" + String(ItemID.stableHash(name), radix: 16)
                usedIDs.insert(id)
            }
            return id
        }
        if !recorded.isEmpty {
            ids = keepRecordedIDs(ids, depth: depth, unique.map { ($0.path, $0.display, $0.components) }, keys: keys,
                                  recorded: recorded, fingerprint: fingerprint)
        }
        return unique.indices.map { i in
            InputItem(path: unique[i].path, displayPath: unique[i].display, id: ids[i], pathKey: keys[i])
        }
    }

    /// `fresh` (the ids of a first run) reconciled with the folder's records. An input claims a record's id
    /// when the record holds its path key (the same file); else, among the records no input claimed that
    /// have its name, one of a version without path keys that holds its fresh id (as those versions did),
    /// or one with its fingerprint (the file moved, another machine mounts the archive elsewhere, or a
    /// record of an older version under a shorter id). Every other input takes its fresh id unless a record
    /// holds it, then the next parent folder, then a hash of its path: never another file's id, so no
    /// earlier result is overwritten or redone.
    static func keepRecordedIDs(_ fresh: [String], depth: [Int], _ unique: [(path: String, display: String, components: [String])],
                                keys: [String], recorded: [RecordedInput], fingerprint: (String) -> String?) -> [String] {
        var claimed = [String?](repeating: nil, count: fresh.count)
        var claimedIDs = Set<String>()
        var byKey: [String: String] = [:]
        for r in recorded { if let k = r.pathKey { byKey[k] = min(byKey[k] ?? r.id, r.id) } }
        for i in fresh.indices {
            if let id = byKey[keys[i]], claimedIDs.insert(id).inserted { claimed[i] = id }
        }
        let unclaimed = Dictionary(grouping: recorded.filter { !claimedIDs.contains($0.id) }, by: \.name)
        if !unclaimed.isEmpty {
            for i in fresh.indices where claimed[i] == nil {
                let name = (unique[i].display as NSString).lastPathComponent
                let candidates = (unclaimed[name] ?? []).filter { !claimedIDs.contains($0.id) }
                guard !candidates.isEmpty else { continue }
                var match = candidates.first { $0.pathKey == nil && $0.id == fresh[i] }
                if match == nil, let hash = fingerprint(unique[i].path) { match = candidates.first { $0.inputHash == hash } }
                if let match {
                    claimed[i] = match.id
                    claimedIDs.insert(match.id)
                }
            }
        }
        var taken = Set(recorded.map(\.id)).union(claimedIDs)
        return fresh.indices.map { i in
            if let id = claimed[i] { return id }
            let components = unique[i].components
            var d = depth[i], id = fresh[i]
            while taken.contains(id) && d < components.count {
                d += 1
                id = ItemID.make(from: components.suffix(d).joined(separator: "/"))
            }
            if taken.contains(id) {
                let path = components.joined(separator: "/")
                id = ItemID.make(from: path) + "~" + String(ItemID.stableHash(path), radix: 16)
            }
            let base = id
            var n = 2
            while taken.contains(id) { id = base + "-\(n)"; n += 1 }
            taken.insert(id)
            return id
        }
    }
}

/// shell-style globs (`*`, `?`, `[...]`) through fnmatch(3).
public enum Glob {
    public static func matches(_ pattern: String, _ text: String) -> Bool {
        fnmatch(pattern, text, 0) == 0
    }
}
