// Reading an instrument profile (YAML) for the micro commands: the file is parsed by
// YAMLDocument into a plain document tree that `InstrumentProfile` checks and looks up.
import Foundation
import Microstructure
import Shared
import YAMLFiles

enum MicroProfileFile {
    /// - Throws: `ReticleError(.usage)` naming the file: unreadable, not YAML, or not a profile.
    static func load(_ path: String) throws -> InstrumentProfile {
        try InstrumentProfile(file: path, document: YAMLDocument.load(path, what: "instrument profile").document)
    }
}
