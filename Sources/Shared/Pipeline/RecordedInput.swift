// What an output folder already records of an input, so that a later run into the folder gives the same
// file the same id whatever else that run is given (InputCollector.assignIDs): without it, a same-named
// file joining a later run lengthened both ids and the earlier result was redone under the new one.

import Foundation

public struct RecordedInput: Equatable, Sendable {
    /// The record's id without an `@settings` tag (`OutputFolderIdentity.taggedID`).
    public var id: String
    /// `ItemRecord.pathKey`; nil for records of versions before it, and for members of an archive.
    public var pathKey: String?
    /// The input's fingerprint when it was recorded (`FileFingerprint`).
    public var inputHash: String
    /// The input's file name: the last component of the record's display path.
    public var name: String

    public init(id: String, pathKey: String?, inputHash: String, name: String) {
        self.id = id
        self.pathKey = pathKey
        self.inputHash = inputHash
        self.name = name
    }

    public init(_ record: ItemRecord) {
        // Ids never hold "@" (ItemID.make), so the last one starts a settings tag.
        let id = record.id.lastIndex(of: "@").map { String(record.id[..<$0]) } ?? record.id
        self.init(id: id, pathKey: record.pathKey, inputHash: record.inputHash, name: (record.file as NSString).lastPathComponent)
    }

    /// Every input recorded in `outDir/items`; none when there is no such folder.
    public static func read(outDir: URL) -> [RecordedInput] {
        guard let store = try? ItemStore(outDir: outDir, create: false) else { return [] }
        return store.allRecords().records.map(RecordedInput.init)
    }

    /// The key of a resolved path: 16 hex digits of its SHA-256 (records keep no absolute paths; they
    /// differ between machines and may name people).
    public static func pathKey(_ resolvedPath: String) -> String {
        String(FileFingerprint.sha256(resolvedPath).prefix(16))
    }
}
