// Options are values (DESIGN.md): each command's options are one Codable value in its
// library module. The CLI only parses flags into it; the settings hash, run.json and the
// protocol keys all derive from the whole value, so no option can be forgotten.
//
// One name per option everywhere: the stored property `minConfidence` is the flag
// `--min-confidence`, the protocol key `min-confidence` and the key in run.json's settings.
// Stored properties that are themselves an `EmbeddedOptions` (the calibration options, say) are
// nested in the encoded value and flattened into the flags and protocol keys.

import Foundation

/// A group of options embedded in several commands' options (e.g. calibration); its fields are
/// flags and protocol keys of every command that embeds it.
public protocol EmbeddedOptions: Codable, Equatable, Sendable {
    /// Option name → file path for options that name files whose contents change results
    /// (an instrument profile, a manifest): their SHA-256 joins the settings.
    var referencedFiles: [String: String] { get }
}

extension EmbeddedOptions {
    public var referencedFiles: [String: String] { [:] }
}

/// A command's whole set of options (not its run options: see `RunOptions`).
public protocol CommandOptions: EmbeddedOptions {
    /// The command words, e.g. "micro grade".
    static var command: String { get }
    /// The options' defaults (what the flags default to).
    init()
    /// The model file the command uses, if any: its SHA-256 joins the settings.
    var modelFile: String? { get }
    /// Checks values a flag parser cannot (ranges, formats); throws `ReticleError(.usage)`.
    func validate() throws
}

extension CommandOptions {
    public var modelFile: String? { nil }
    public func validate() throws {}

    /// The option names (flags without --, protocol keys) of this command: every stored
    /// property, groups flattened.
    public static var keys: [String] { OptionKeys.keys(of: Self()) }

    /// The whole value as JSON with sorted keys, in option names.
    public var encoded: JSONValue {
        get throws { try OptionKeys.encode(self) }
    }

    /// Every file option's path, groups included.
    public var allReferencedFiles: [String: String] { OptionKeys.referencedFiles(of: self) }
}

/// Naming and coding of option values: property `umPerPxModel` ↔ option `um-per-px-model`.
public enum OptionKeys {
    /// `minConfidence` → `min-confidence`, `class1Um` → `class1-um`.
    public static func optionName(_ property: String) -> String {
        var out = ""
        for c in property {
            if c.isUppercase {
                out += "-" + c.lowercased()
            } else {
                out.append(c)
            }
        }
        return out
    }

    /// `min-confidence` → `minConfidence`: the inverse of `optionName`.
    public static func propertyName(_ option: String) -> String {
        var out = ""
        var upper = false
        for c in option {
            if c == "-" {
                upper = true
            } else {
                out += upper ? c.uppercased() : String(c)
                upper = false
            }
        }
        return out
    }

    /// The option names of `value`'s stored properties, in declaration order, groups flattened.
    public static func keys(of value: Any) -> [String] {
        var out: [String] = []
        for child in Mirror(reflecting: value).children {
            guard let label = child.label else { continue }
            if child.value is any EmbeddedOptions, !(child.value is any CommandOptions) {
                out += keys(of: child.value)
            } else {
                out.append(optionName(label))
            }
        }
        return out
    }

    static func referencedFiles(of value: any EmbeddedOptions) -> [String: String] {
        var files = value.referencedFiles
        for child in Mirror(reflecting: value).children {
            if let group = child.value as? any EmbeddedOptions {
                files.merge(referencedFiles(of: group)) { a, _ in a }
            }
        }
        return files
    }

    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.keyEncodingStrategy = .custom { path in
            let key = path.last!
            return key.intValue != nil ? key : AnyKey(optionName(key.stringValue))
        }
        return e
    }

    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .custom { path in
            let key = path.last!
            return key.intValue != nil ? key : AnyKey(propertyName(key.stringValue))
        }
        return d
    }

    /// `value` as sorted-keys JSON in option names.
    public static func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        try JSONValue.parse(encoder().encode(value))
    }

    /// The inverse of `encode`.
    public static func decode<T: Decodable>(_ type: T.Type, from json: JSONValue) throws -> T {
        try decoder().decode(type, from: Data(json.serialized().utf8))
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { return nil }
    }
}

/// The settings of one batch run: what, besides an input file, determines its result. Built
/// from the whole options value, so a changed option of any kind redoes items; stored in
/// run.json, and its SHA-256 with every item.
public enum BatchSettings {
    /// Keys in sorted order: `command`, `files` (SHA-256 of each file option's contents, when
    /// there are any), `model_sha256` (when a model is used), `options` (the whole value,
    /// sorted keys), `protocol_sha256` (under `reticle run`), `reticle` (the version).
    public static func make<O: CommandOptions>(_ options: O, protocolSHA256: String? = nil) throws -> JSONObject {
        var s: JSONObject = ["command": .string(O.command)]
        let files = options.allReferencedFiles
        if !files.isEmpty {
            var o = JSONObject()
            for key in files.keys.sorted() { o[key] = .string(fingerprint(files[key]!)) }
            s["files"] = .object(o)
        }
        if let model = options.modelFile { s["model_sha256"] = .string(fingerprint(model)) }
        s["options"] = try options.encoded
        if let protocolSHA256 { s["protocol_sha256"] = .string(protocolSHA256) }
        s["reticle"] = .string(ReticleVersion.string)
        return s
    }

    /// The hash stored with each item (`BatchOptions.settingsHash` of these settings).
    public static func hash<O: CommandOptions>(_ options: O, protocolSHA256: String? = nil) throws -> String {
        BatchOptions(outDir: nil, settings: try make(options, protocolSHA256: protocolSHA256)).settingsHash
    }

    /// SHA-256 of a file's bytes; "" when it cannot be read (the command then fails on it).
    public static func fingerprint(_ path: String) -> String {
        FileFingerprint.sha256(FileManager.default.contents(atPath: path) ?? Data())
    }
}
