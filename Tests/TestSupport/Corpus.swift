// Locating the third-party conformance corpus in ../shared/corpus and its
// reference facts (expected.json). Tests skip, naming the missing folder, when
// the corpus is absent (a user's fresh clone has no ../shared).

import Foundation
import Shared

public enum Corpus {
    /// Project root: found by walking up from this source file to Package.swift.
    public static let projectRoot: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    /// `../shared/corpus` beside the project, or `RETICLE_CORPUS` when set.
    public static let root: URL = {
        if let env = ProcessInfo.processInfo.environment["RETICLE_CORPUS"] { return URL(fileURLWithPath: env) }
        return projectRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")
    }()

    /// Absolute path of `relative` (e.g. "wsi/CMU-1-Small-Region.svs"), or nil when that folder is absent.
    public static func path(_ relative: String) -> String? {
        let p = root.appendingPathComponent(relative).path
        return FileManager.default.fileExists(atPath: p) ? p : nil
    }

    /// Why a corpus test is skipped, naming the folder that is missing.
    public static func missing(_ relative: String) -> String {
        "corpus folder \(root.appendingPathComponent(relative).deletingLastPathComponent().path) is absent; skipping"
    }

    /// All files in a corpus folder (sorted), or nil when the folder is absent.
    public static func files(in folder: String) -> [String]? {
        let dir = root.appendingPathComponent(folder)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return nil }
        return names.sorted().map { dir.appendingPathComponent($0).path }
    }

    /// expected.json, parsed once.
    static let allExpected: JSONValue? = {
        guard let data = FileManager.default.contents(atPath: root.appendingPathComponent("expected.json").path) else { return nil }
        return try? JSONValue.parse(data)
    }()

    /// Reference facts for one file, keyed as in expected.json ("dicom/CT_small.dcm").
    public static func expected(_ relative: String) -> JSONObject? {
        allExpected?[relative]?.objectValue
    }
}
