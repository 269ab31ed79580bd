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
}
