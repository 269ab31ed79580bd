// Formats as plug-ins (STYLE.md, after OpenSlide's vendor table): each module
// contributes inspectors for the files it understands; the CLI lists them in
// order, most specific first, generic images last.

import Foundation

/// The options of `reticle inspect`: what it may reveal.
public struct InspectOptions: CommandOptions {
    public static let command = "inspect"
    /// Include patient-identifying DICOM attributes (never by default).
    public var showPhi: Bool
    public init() { self.init(showPhi: false) }
    public init(showPhi: Bool) { self.showPhi = showPhi }
}

/// Describes one kind of file: recognises it cheaply, then reports what it is.
public protocol FileInspector: Sendable {
    /// Short name of the kind, e.g. "image", "slide", "dicom".
    var kind: String { get }
    /// A cheap check from the path and the file's first bytes (up to 4 KiB, fewer for short files).
    func recognizes(path: String, header: [UInt8]) -> Bool
    /// What the file is. Keys are snake_case; the first two are `kind` and `format`.
    /// Throws `ReticleError` (naming the reason) when the file is recognised but unreadable.
    func inspect(path: String, options: InspectOptions) throws -> JSONObject
    /// File name extensions (lower case, no dot) of this kind: a scanned file with one is taken
    /// even when damaged beyond recognition, so that it becomes an error row, not a skip.
    var extensions: [String] { get }
    /// The multi-file object this file is one part of (a DICOM whole-slide image's series), or nil
    /// when the file stands alone. A batch takes the parts of one object in one folder as one item.
    func partOf(path: String) -> String?
}

extension FileInspector {
    public var extensions: [String] { [] }
    public func partOf(path: String) -> String? { nil }
}

/// An ordered list of inspectors; the first that recognises a file describes it.
public struct InspectorRegistry: Sendable {
    public let inspectors: [any FileInspector]

    public init(_ inspectors: [any FileInspector]) { self.inspectors = inspectors }

    public static let headerLength = 4096

    /// Whether the file is of a format these inspectors read: by its extension (cheap, and a
    /// damaged file keeps it), else by an inspector recognising its first bytes.
    public func recognizes(path: String) -> Bool {
        let ext = (path as NSString).pathExtension.lowercased()
        if !ext.isEmpty, inspectors.contains(where: { $0.extensions.contains(ext) }) { return true }
        guard let header = try? FileHeader.read(path: path, count: Self.headerLength) else { return false }
        return inspectors.contains { $0.recognizes(path: path, header: header) }
    }

    /// The first inspector's answer to `partOf(path:)`.
    public func partOf(path: String) -> String? {
        for i in inspectors { if let key = i.partOf(path: path) { return key } }
        return nil
    }

    public func inspect(path: String, options: InspectOptions = InspectOptions()) throws -> JSONObject {
        let header = try FileHeader.read(path: path, count: Self.headerLength)
        guard let inspector = inspectors.first(where: { $0.recognizes(path: path, header: header) }) else {
            var kinds: [String] = []
            for k in inspectors.map(\.kind) where !kinds.contains(k) { kinds.append(k) }
            let known = kinds.joined(separator: ", ")
            throw ReticleError(.unsupported, file: path,
                               "not a file Reticle reads (\(known)); first bytes \(FileHeader.hexPrefix(header))")
        }
        do {
            return try inspector.inspect(path: path, options: options)
        } catch let e as ReticleError {
            throw e.naming(path)
        }
    }
}

/// Reading the first bytes of a file, with errors that name it.
public enum FileHeader {
    public static func read(path: String, count: Int) throws -> [UInt8] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw ReticleError(.io, file: path, "no such file")
        }
        if isDir.boolValue { throw ReticleError(.io, file: path, "is a folder, not a file") }
        guard let h = FileHandle(forReadingAtPath: path) else {
            throw ReticleError(.io, file: path, "cannot open for reading (permissions?)")
        }
        defer { try? h.close() }
        let data = (try? h.read(upToCount: count)) ?? Data()
        if data.isEmpty { throw ReticleError(.corrupt, file: path, "file is empty") }
        return [UInt8](data)
    }

    /// The first 8 bytes as hex, for "what is this file" messages.
    public static func hexPrefix(_ bytes: [UInt8]) -> String {
        bytes.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")
    }
}
