// A protocol file pins a whole lab procedure: which command runs and every option it
// takes, so `reticle run PROTOCOL INPUT...` equals the command with those flags, and
// each result records the protocol's SHA-256.
//
//     protocol: steel-grain-size        # a name for reports
//     description: ASTM E112, etched 2% nital, 50 µm bar
//     command: micro grainsize          # any batch command of `reticle`
//     options:                          # fields of the command's options value = its flags without --
//       scale-bar-um: 50
//       method: [planimetric-circle, intercept-circles]   # a list repeats the flag
//       force: false                    # true gives the bare flag, false leaves it out

import Foundation

public struct LabProtocol: Equatable, Sendable {
    public let file: String
    public let name: String
    public let description: String?
    /// Command words, e.g. ["micro", "grainsize"].
    public let command: [String]
    /// Flag name (without --) and value, in file order.
    public let options: [(key: String, value: JSONValue)]
    /// SHA-256 of the file's bytes.
    public let sha256: String

    /// Options that only the command line can give (`RunOptions`): they say where and how a
    /// run happens, not what the procedure is.
    public static let commandLineOnly: Set<String> = Set(RunOptions.keys)

    /// - Throws: `ReticleError(.usage)` naming the file and the key at fault.
    public init(document: JSONValue, file: String, bytes: Data) throws {
        guard let o = document.objectValue else {
            throw ReticleError(.usage, file: file, "a protocol is a mapping with protocol, command and options")
        }
        let known: Set<String> = ["protocol", "description", "command", "options", "version"]
        if let unknown = o.keys.first(where: { !known.contains($0) }) {
            throw ReticleError(.usage, file: file, "unknown key '\(unknown)' (expected \(known.sorted().joined(separator: ", ")))")
        }
        guard let name = o["protocol"]?.stringValue, !name.isEmpty else {
            throw ReticleError(.usage, file: file, "missing 'protocol: NAME'")
        }
        guard let command = o["command"]?.stringValue?.split(separator: " ").map(String.init), !command.isEmpty else {
            throw ReticleError(.usage, file: file, "missing 'command:' (for example 'micro grainsize')")
        }
        var options: [(String, JSONValue)] = []
        if let opts = o["options"] {
            guard let m = opts.objectValue else { throw ReticleError(.usage, file: file, "'options' must be a mapping of flag: value") }
            for (k, v) in m {
                let key = k.replacingOccurrences(of: "_", with: "-")
                if Self.commandLineOnly.contains(key) {
                    throw ReticleError(.usage, file: file, "option '\(k)' belongs on the command line, not in a protocol")
                }
                options.append((key, v))
            }
        }
        self.file = file
        self.name = name
        self.description = o["description"]?.stringValue
        self.command = command
        self.options = options
        self.sha256 = FileFingerprint.sha256(bytes)
    }

    /// Checks every key against the options of the protocol's command: each key must name a
    /// field of its options value (`O.keys`, the same names as its flags).
    /// - Throws: `ReticleError(.usage)` naming the file, the unknown key and the known ones.
    public func validate<O: CommandOptions>(against type: O.Type) throws {
        let known = O.keys
        for (key, _) in options where !known.contains(key) {
            throw ReticleError(.usage, file: file, "does not describe a valid '\(command.joined(separator: " "))' run: "
                + "unknown option '\(key)' (its options: \(known.sorted().joined(separator: ", ")))")
        }
    }

    /// Options naming files: a relative path is taken from the protocol's folder, so a protocol
    /// and its model or instrument profile can move together.
    public static let pathOptions: Set<String> = ["model", "profile", "specimen-manifest"]

    /// Most values one option's list may give (each is one repeated flag).
    public static let maxListItems = 1_000

    /// The command line this protocol stands for (without inputs and run flags).
    /// - Throws: `ReticleError(.usage)` for values that cannot be flags (nested mappings, null).
    public func arguments() throws -> [String] {
        var args = command
        for (key, value) in options {
            switch value {
            case .bool(let b):
                if b { args.append("--" + key) }
            case .array(let items):
                // Each item becomes a repeated flag, and the argument parser's work grows with the
                // square of repeats of one flag: refuse lists no real procedure needs.
                guard items.count <= Self.maxListItems else {
                    throw ReticleError(.usage, file: file, "option '\(key)' lists \(items.count) values; a protocol list holds at most \(Self.maxListItems)")
                }
                for item in items { args += ["--" + key, try scalar(item, key)] }
            case .string(let path) where Self.pathOptions.contains(key) && !path.hasPrefix("/"):
                let folder = URL(fileURLWithPath: file).deletingLastPathComponent()
                args += ["--" + key, folder.appendingPathComponent(path).standardizedFileURL.path]
            default:
                args += ["--" + key, try scalar(value, key)]
            }
        }
        return args
    }

    private func scalar(_ v: JSONValue, _ key: String) throws -> String {
        switch v {
        case .string(let s): return s
        case .number(let d): return PlainText.number(d)
        case .bool(let b): return b ? "true" : "false"
        default: throw ReticleError(.usage, file: file, "option '\(key)' must be a value or a list of values")
        }
    }

    public static func == (a: LabProtocol, b: LabProtocol) -> Bool { a.sha256 == b.sha256 && a.file == b.file }
}
