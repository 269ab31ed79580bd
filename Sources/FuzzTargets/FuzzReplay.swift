// Running saved inputs once each (crash reproductions, the seed corpora) outside libFuzzer.

import Foundation

public enum FuzzReplay {
    /// `paths` with folders replaced by their regular files (sorted, hidden files skipped).
    public static func files(_ paths: [String]) throws -> [String] {
        var out: [String] = []
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: path])
            }
            if isFolder.boolValue {
                let names = try FileManager.default.contentsOfDirectory(atPath: path).filter { !$0.hasPrefix(".") }.sorted()
                out += names.map { (path as NSString).appendingPathComponent($0) }
                    .filter { var d: ObjCBool = false; return FileManager.default.fileExists(atPath: $0, isDirectory: &d) && !d.boolValue }
            } else {
                out.append(path)
            }
        }
        return out
    }

    /// "accepted" or "refused: REASON", one line.
    public static func describe(_ outcome: Error?) -> String {
        guard let outcome else { return "accepted" }
        return "refused: " + "\(outcome)".split(separator: "\n").joined(separator: " ")
    }
}
