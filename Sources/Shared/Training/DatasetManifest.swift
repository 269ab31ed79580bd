// Which files a training run uses and their labels: a folder-per-class layout
// or a CSV manifest (path, one column per head, optional group column such as
// specimen or patient). Decoding is the caller's: FileSamples takes a loader.

import Foundation

/// One labelled file: a class index per head and an optional group key (for group-aware splits).
public struct DatasetEntry: Equatable, Sendable {
    public var path: String
    public var labels: [Int]
    public var group: String?
}

public struct DatasetManifest: Equatable, Sendable {
    /// Head names, and each head's class names (index = label).
    public var heads: [String]
    public var classes: [[String]]
    public var entries: [DatasetEntry]

    /// `root/<class>/<file>`: one head named `head`, classes are the sorted folder names; files whose
    /// extension (lower-cased) is in `extensions` are kept, hidden files skipped.
    public static func folderPerClass(_ root: URL, head: String = "class", extensions: Set<String>) throws -> DatasetManifest {
        let fm = FileManager.default
        guard let folders = try? fm.contentsOfDirectory(atPath: root.path) else {
            throw ReticleError(.io, file: root.path, "cannot list the dataset folder")
        }
        let classes = folders.filter { !$0.hasPrefix(".") && (try? root.appendingPathComponent($0).resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true }.sorted()
        guard classes.count >= 2 else { throw ReticleError(.usage, file: root.path, "a folder-per-class dataset needs at least two class folders, found \(classes.count)") }
        var entries: [DatasetEntry] = []
        for (label, name) in classes.enumerated() {
            let dir = root.appendingPathComponent(name)
            let files = (try? fm.contentsOfDirectory(atPath: dir.path)) ?? []
            for f in files.sorted() where !f.hasPrefix(".") && extensions.contains((f as NSString).pathExtension.lowercased()) {
                entries.append(DatasetEntry(path: dir.appendingPathComponent(f).path, labels: [label], group: nil))
            }
        }
        guard !entries.isEmpty else { throw ReticleError(.usage, file: root.path, "no files with extensions \(extensions.sorted()) in the class folders") }
        return DatasetManifest(heads: [head], classes: [classes], entries: entries)
    }

    /// A CSV manifest with a header row. Relative paths are resolved against the CSV's folder;
    /// each label column becomes a head whose classes are its distinct values, sorted (or `classOrder[column]`, for ordinal heads).
    public static func csv(_ url: URL, pathColumn: String = "path", labelColumns: [String], groupColumn: String? = nil,
                           classOrder: [String: [String]] = [:]) throws -> DatasetManifest {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw ReticleError(.io, file: url.path, "cannot read the CSV manifest as UTF-8") }
        let rows = parseCSV(text).filter { !($0.count == 1 && $0[0].isEmpty) }
        guard let header = rows.first else { throw ReticleError(.corrupt, file: url.path, "the CSV manifest is empty") }
        func column(_ name: String) throws -> Int {
            guard let i = header.firstIndex(of: name) else { throw ReticleError(.usage, file: url.path, "no column \"\(name)\" (columns: \(header.joined(separator: ", ")))") }
            return i
        }
        let pathIndex = try column(pathColumn), labelIndices = try labelColumns.map(column), groupIndex = try groupColumn.map(column)
        let body = Array(rows.dropFirst())
        for (n, row) in body.enumerated() where row.count != header.count {
            throw ReticleError(.corrupt, file: url.path, "row \(n + 2) has \(row.count) fields, the header \(header.count)")
        }
        let classes = try labelColumns.enumerated().map { h, name -> [String] in
            let values = Set(body.map { $0[labelIndices[h]] })
            guard let order = classOrder[name] else { return values.sorted() }
            if let stray = values.subtracting(order).first { throw ReticleError(.usage, file: url.path, "column \"\(name)\" has \"\(stray)\", not in its class order") }
            return order
        }
        let base = url.deletingLastPathComponent()
        let entries = body.map { row in
            let p = row[pathIndex]
            return DatasetEntry(path: p.hasPrefix("/") ? p : base.appendingPathComponent(p).path,
                                labels: labelIndices.enumerated().map { classes[$0.offset].firstIndex(of: row[$0.element])! },
                                group: groupIndex.map { row[$0] })
        }
        guard !entries.isEmpty else { throw ReticleError(.usage, file: url.path, "the CSV manifest has no rows") }
        return DatasetManifest(heads: labelColumns, classes: classes, entries: entries)
    }

    /// RFC 4180 fields: commas, quotes doubled inside quoted fields, CRLF or LF line ends.
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = ""
        var quoted = false, i = 0
        let chars = Array(text)
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < chars.count && chars[i + 1] == "\"" { field.append("\""); i += 1 } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" { quoted = true
            } else if c == "," { row.append(field); field = ""
            } else if c == "\n" || c == "\r\n" || c == "\r" {
                row.append(field); rows.append(row); row = []; field = ""
            } else { field.append(c) }
            i += 1
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }
}

/// Samples read from files on demand through `load` (the domain's decoder: path → [C, H, W]).
public struct FileSamples: TrainingSamples {
    public let manifest: DatasetManifest
    public let load: @Sendable (String) throws -> Tensor

    public init(_ manifest: DatasetManifest, load: @escaping @Sendable (String) throws -> Tensor) {
        self.manifest = manifest
        self.load = load
    }

    public var count: Int { manifest.entries.count }
    public func sample(_ index: Int) throws -> TrainingSample {
        let e = manifest.entries[index]
        do { return TrainingSample(image: try load(e.path), labels: e.labels) } catch let error as ReticleError { throw error.naming(e.path) }
    }
}
