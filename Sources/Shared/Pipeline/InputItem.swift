// One input of a batch: where it is, how it is shown, and its stable id.

import Foundation

public struct InputItem: Equatable, Sendable {
    /// Path to open (as given, or joined with its folder).
    public let path: String
    /// Path relative to the argument it came from, prefixed by that argument's last component;
    /// the same on every machine of a cluster, so ids and shards agree.
    public let displayPath: String
    /// File-system-safe, unique within the batch: the name of `items/<id>.json`.
    public let id: String
    /// The file holding the item when `path` names a part of it (an archive member, `file.npz#test/3`): what is
    /// fingerprinted for resume. nil: `path` itself.
    public let container: String?
    /// `RecordedInput.pathKey` of the resolved path, kept in the item's record so that later runs into the
    /// folder keep its id; nil for items made from others (archive members), whose ids follow their file's.
    public let pathKey: String?

    public init(path: String, displayPath: String, id: String, container: String? = nil, pathKey: String? = nil) {
        self.path = path
        self.displayPath = displayPath
        self.id = id
        self.container = container
        self.pathKey = pathKey
    }

    /// What places the item in a shard (`Shard.contains`): its path key; an archive member, its archive's path
    /// key and its place in the archive; else its id. Neither the id nor any folder's records enter it, so
    /// shards writing separate folders agree on it (as long as they see the inputs at the same resolved paths).
    public var shardKey: String {
        if let pathKey { return pathKey }
        if let container, path.hasPrefix(container) {
            let resolved = URL(fileURLWithPath: container).standardizedFileURL.resolvingSymlinksInPath().path
            return RecordedInput.pathKey(resolved) + String(path.dropFirst(container.count))
        }
        return id
    }
}
