// Labelled micrographs for training a grading model: read from a CSV manifest (image,
// specimen, type, needle_class, optional rater and um_per_px) or from a folder per type.
// Several rows for one image (several raters) are kept as votes, so the trainer can turn
// them into soft labels instead of silently picking one rater.

import Foundation
import Shared

public struct GradingDataset: Sendable {
    /// One image with every rater's vote.
    public struct Micrograph: Equatable, Sendable {
        /// Path to open.
        public var path: String
        /// As written in the manifest (or relative to the folder): what results and logs show.
        public var name: String
        /// Images of one specimen always land on the same side of a split.
        public var specimen: String
        /// Votes per type class, indexed like `typeClasses`.
        public var typeVotes: [Int]
        /// Votes per needle class, indexed like `needleClasses` (empty when the data has none).
        public var needleVotes: [Int]
        /// µm/px from the manifest's um_per_px column, used before any other calibration source.
        public var umPerPixel: Double?

        /// The majority type (ties go to the first class).
        public var type: Int { GradingDataset.majority(typeVotes) }
        /// The majority needle class, nil without needle labels.
        public var needleClass: Int? { needleVotes.isEmpty ? nil : GradingDataset.majority(needleVotes) }
    }

    public var micrographs: [Micrograph]
    /// Type class names, sorted.
    public var typeClasses: [String]
    /// Needle class names in ordinal order (numeric when they are numbers); empty when there is no needle head.
    public var needleClasses: [String]
    /// SHA-256 over the label table (names, specimens, votes): the data hash in the model's provenance.
    public var labelHash: String
    /// Where it came from (manifest file or folder).
    public var source: String

    /// Reads `path`: a CSV manifest, or a folder holding `manifest.csv`, or a folder per type (holding the
    /// files `reader` takes).
    /// - Throws: `ReticleError(.usage)` naming the file and line for missing columns or empty data.
    public static func load(_ path: String, reader: ImageReader = .rasters) throws -> GradingDataset {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw ReticleError(.io, file: path, "no such file or folder")
        }
        if !isDir.boolValue { return try manifest(at: path) }
        let inner = (path as NSString).appendingPathComponent("manifest.csv")
        if FileManager.default.fileExists(atPath: inner) { return try manifest(at: inner) }
        return try folders(at: path, reader: reader)
    }

    /// One row per image and rater; `image` relative to the manifest's folder.
    static func manifest(at path: String) throws -> GradingDataset {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch { throw ReticleError(.io, file: path, "cannot read the manifest") }
        let records = try RatingsCSV.records(text, path: path)
        guard let header = records.first?.fields.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) else {
            throw ReticleError(.usage, file: path, "the manifest is empty")
        }
        func column(_ names: String...) -> Int? { names.lazy.compactMap { header.firstIndex(of: $0) }.first }
        guard let imageColumn = column("image", "file", "path"), let typeColumn = column("type", "microstructure") else {
            throw ReticleError(.usage, file: path, "the manifest needs columns image and type (found: \(header.joined(separator: ", ")))")
        }
        let specimenColumn = column("specimen", "specimen_id")
        let needleColumn = column("needle_class", "needle")
        let scaleColumn = column("um_per_px")
        let folder = (path as NSString).deletingLastPathComponent
        var rows: [(name: String, path: String, specimen: String, type: String, needle: String?, scale: Double?)] = []
        for (line, fields) in records.dropFirst() {
            func field(_ i: Int?) -> String? {
                guard let i, i < fields.count else { return nil }
                let v = fields[i].trimmingCharacters(in: .whitespaces)
                return v.isEmpty ? nil : v
            }
            guard let image = field(imageColumn), let type = field(typeColumn) else {
                throw ReticleError(.usage, file: path, "line \(line): image and type must not be empty")
            }
            let full = image.hasPrefix("/") ? image : (folder as NSString).appendingPathComponent(image)
            var scale: Double?
            if let s = field(scaleColumn) {
                guard let v = Double(s), v.isFinite, v > 0 else { throw ReticleError(.usage, file: path, "line \(line): um_per_px \"\(s)\" is not a positive number") }
                scale = v
            }
            rows.append((image, full, field(specimenColumn) ?? image, type, field(needleColumn), scale))
        }
        guard !rows.isEmpty else { throw ReticleError(.usage, file: path, "the manifest has no rows") }
        return try assemble(rows, source: path)
    }

    /// `folder/<type>/<image>`: the sub-folder names the type; the specimen is the file name up to its last '-' or '_'.
    static func folders(at path: String, reader: ImageReader = .rasters) throws -> GradingDataset {
        let fm = FileManager.default
        let types = (try? fm.contentsOfDirectory(atPath: path))?.filter { name in
            var d: ObjCBool = false
            return !name.hasPrefix(".") && fm.fileExists(atPath: (path as NSString).appendingPathComponent(name), isDirectory: &d) && d.boolValue
        }.sorted() ?? []
        var rows: [(name: String, path: String, specimen: String, type: String, needle: String?, scale: Double?)] = []
        for type in types {
            let dir = (path as NSString).appendingPathComponent(type)
            for file in ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).sorted() where !file.hasPrefix(".") {
                let full = (dir as NSString).appendingPathComponent(file)
                guard reader.accepts(path: file) else { continue }
                rows.append((type + "/" + file, full, SpecimenGrouping.defaultSpecimen(of: file), type, nil, nil))
            }
        }
        guard Set(rows.map(\.type)).count >= 2 else {
            throw ReticleError(.usage, file: path, "needs a manifest.csv or at least two sub-folders (one per type) holding images")
        }
        return try assemble(rows, source: path)
    }

    static func assemble(_ rows: [(name: String, path: String, specimen: String, type: String, needle: String?, scale: Double?)],
                         source: String) throws -> GradingDataset {
        let typeClasses = Array(Set(rows.map(\.type))).sorted()
        guard typeClasses.count >= 2 else { throw ReticleError(.usage, file: source, "the data has one type only (\(typeClasses.first ?? "")); a model needs two or more") }
        let needleNames = Set(rows.compactMap(\.needle))
        // A needle head needs every image labelled: rows without a class cannot be trained on that head.
        let withNeedle = !needleNames.isEmpty && rows.allSatisfy { $0.needle != nil }
        let needleClasses = withNeedle ? needleNames.sorted { a, b in
            if let x = Double(a), let y = Double(b) { return x < y }
            return a < b
        } : []
        var order: [String] = []
        var byName: [String: Micrograph] = [:]
        for r in rows {
            if byName[r.name] == nil {
                order.append(r.name)
                byName[r.name] = Micrograph(path: r.path, name: r.name, specimen: r.specimen,
                                            typeVotes: [Int](repeating: 0, count: typeClasses.count),
                                            needleVotes: [Int](repeating: 0, count: needleClasses.count), umPerPixel: r.scale)
            }
            byName[r.name]!.typeVotes[typeClasses.firstIndex(of: r.type)!] += 1
            if withNeedle, let n = r.needle { byName[r.name]!.needleVotes[needleClasses.firstIndex(of: n)!] += 1 }
        }
        let micrographs = order.map { byName[$0]! }
        var table = ""
        for m in micrographs {
            table += "\(m.name)\t\(m.specimen)\t\(m.typeVotes.map(String.init).joined(separator: ","))\t\(m.needleVotes.map(String.init).joined(separator: ","))\n"
        }
        table += typeClasses.joined(separator: ",") + "\n" + needleClasses.joined(separator: ",")
        return GradingDataset(micrographs: micrographs, typeClasses: typeClasses, needleClasses: needleClasses,
                              labelHash: FileFingerprint.sha256(table), source: source)
    }

    static func majority(_ votes: [Int]) -> Int {
        var best = 0
        for (i, v) in votes.enumerated() where v > votes[best] { best = i }
        return best
    }

    /// Number of distinct specimens.
    public var specimenCount: Int { Set(micrographs.map(\.specimen)).count }
    /// True when some image has more than one vote (several raters).
    public var hasSeveralRaters: Bool { micrographs.contains { $0.typeVotes.reduce(0, +) > 1 } }
}
