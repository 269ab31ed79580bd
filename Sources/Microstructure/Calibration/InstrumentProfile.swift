// An instrument profile: the µm/px each microscope + objective gives, and optionally the
// length of the scale bar its software burns in. Built from a parsed document tree (the
// CLI reads the YAML file into a JSONValue), so this library needs no YAML parser.
//
// Accepted layout (YAML shown; JSON with the same shape works too):
//
//     scale_bar_um: 50              # optional: bar length for every entry below
//     microscopes:                  # optional wrapper; without it the top-level keys are microscopes
//       axio-imager:
//         scale_bar_um: 100         # optional, per microscope
//         objectives:               # optional wrapper; without it the other keys are objectives
//           10x: 0.645              # objective → µm/px
//           50x: {um_per_px: 0.129, scale_bar_um: 20}
//       stereo:
//         um_per_px: 2.5            # flat: one scale whatever the objective

import Foundation
import Shared

public struct InstrumentProfile: Equatable, Sendable {
    /// One µm/px figure picked from the profile, with where it came from.
    public struct Entry: Equatable, Sendable {
        public var microscope: String
        public var objective: String?
        public var umPerPixel: Double
        /// Length of the burned-in bar on this instrument, when the profile says.
        public var scaleBarUM: Double?
        /// e.g. "lab.yaml: microscope axio-imager, objective 50x".
        public var detail: String
    }

    struct Objective: Equatable, Sendable {
        var name: String
        var umPerPixel: Double
        var scaleBarUM: Double?
    }

    struct Microscope: Equatable, Sendable {
        var name: String
        var umPerPixel: Double?
        var scaleBarUM: Double?
        var objectives: [Objective]
    }

    /// The file the profile came from, named in every error.
    public let file: String
    let microscopes: [Microscope]
    /// Bar length that applies to every entry unless one says otherwise.
    public let scaleBarUM: Double?

    static let profileKeys: Set<String> = ["scale_bar_um", "name", "description", "version", "microscopes"]
    static let microscopeKeys: Set<String> = ["um_per_px", "scale_bar_um", "name", "description", "objectives"]

    /// - Parameters:
    ///   - file: path of the profile, for error messages.
    ///   - document: the parsed file (mappings as objects, numbers as numbers or numeric strings).
    /// - Throws: `ReticleError(.usage)` naming the file and the key that is wrong or missing.
    public init(file: String, document: JSONValue) throws {
        self.file = file
        guard let top = document.objectValue else {
            throw ReticleError(.usage, file: file, "not an instrument profile: expected a mapping of microscope names to objectives and µm/px")
        }
        scaleBarUM = try Self.optionalLength(top["scale_bar_um"], key: "scale_bar_um", file: file)
        let scopes: [(String, JSONValue)]
        if let wrapped = top["microscopes"] {
            guard let o = wrapped.objectValue else {
                throw ReticleError(.usage, file: file, "microscopes: expected a mapping of microscope names")
            }
            scopes = o.map { ($0.key, $0.value) }
        } else {
            scopes = top.filter { !Self.profileKeys.contains($0.key) }.map { ($0.key, $0.value) }
        }
        guard !scopes.isEmpty else {
            throw ReticleError(.usage, file: file, "defines no microscopes (expected microscope → objective → um_per_px)")
        }
        microscopes = try scopes.map { try Self.microscope(name: $0.0, $0.1, file: file) }
    }

    /// Names of the microscopes, in file order.
    public var microscopeNames: [String] { microscopes.map(\.name) }

    /// The figure for `microscope` + `objective`. Either may be left out when the profile
    /// leaves no choice (one microscope; one objective or a flat `um_per_px`).
    /// - Throws: `ReticleError(.usage)` naming the file and the missing microscope or objective.
    public func entry(microscope: String?, objective: String?) throws -> Entry {
        let scope: Microscope
        if let name = microscope {
            guard let m = Self.find(name, in: microscopes, \.name) else {
                throw ReticleError(.usage, file: file, "no microscope '\(name)' (the profile has \(Self.list(microscopeNames)))")
            }
            scope = m
        } else if microscopes.count == 1 {
            scope = microscopes[0]
        } else {
            throw ReticleError(.usage, file: file, "the profile has microscopes \(Self.list(microscopeNames)): choose one with --microscope")
        }
        let names = scope.objectives.map(\.name)
        var picked: Objective?
        if let name = objective, !scope.objectives.isEmpty {
            guard let o = Self.find(name, in: scope.objectives, \.name) else {
                throw ReticleError(.usage, file: file, "microscope '\(scope.name)' has no objective '\(name)' (it has \(Self.list(names)))")
            }
            picked = o
        } else if objective == nil, scope.umPerPixel == nil {
            guard scope.objectives.count == 1 else {
                throw ReticleError(.usage, file: file, "microscope '\(scope.name)' has objectives \(Self.list(names)): choose one with --objective")
            }
            picked = scope.objectives[0]
        }
        let base = (file as NSString).lastPathComponent
        if let o = picked {
            return Entry(microscope: scope.name, objective: o.name, umPerPixel: o.umPerPixel,
                         scaleBarUM: o.scaleBarUM ?? scope.scaleBarUM ?? scaleBarUM,
                         detail: "\(base): microscope \(scope.name), objective \(o.name)")
        }
        // A flat entry: one scale whatever objective was named (it is said so in the detail).
        guard let flat = scope.umPerPixel else {
            throw ReticleError(.usage, file: file, "microscope '\(scope.name)' has no um_per_px")
        }
        var detail = "\(base): microscope \(scope.name) (um_per_px for every objective)"
        if let objective { detail += "; objective \(objective) not listed separately" }
        return Entry(microscope: scope.name, objective: nil, umPerPixel: flat,
                     scaleBarUM: scope.scaleBarUM ?? scaleBarUM, detail: detail)
    }

    // MARK: - Parsing

    static func microscope(name: String, _ value: JSONValue, file: String) throws -> Microscope {
        if let v = number(value) {
            return Microscope(name: name, umPerPixel: try positive(v, key: name, file: file), scaleBarUM: nil, objectives: [])
        }
        guard let o = value.objectValue else {
            throw ReticleError(.usage, file: file, "\(name): expected µm/px or a mapping of objectives, got \(value.serialized())")
        }
        let flat = try o["um_per_px"].map { v -> Double in
            guard let d = number(v) else {
                throw ReticleError(.usage, file: file, "\(name).um_per_px: expected a number, got \(v.serialized())")
            }
            return try positive(d, key: "\(name).um_per_px", file: file)
        }
        let bar = try optionalLength(o["scale_bar_um"], key: "\(name).scale_bar_um", file: file)
        let lenses: [(String, JSONValue)]
        if let wrapped = o["objectives"] {
            guard let w = wrapped.objectValue else {
                throw ReticleError(.usage, file: file, "\(name).objectives: expected a mapping of objective names to µm/px")
            }
            lenses = w.map { ($0.key, $0.value) }
        } else {
            lenses = o.filter { !microscopeKeys.contains($0.key) }.map { ($0.key, $0.value) }
        }
        let objectives = try lenses.map { try objective(name: $0.0, $0.1, path: "\(name).\($0.0)", file: file) }
        if flat == nil && objectives.isEmpty {
            throw ReticleError(.usage, file: file, "microscope '\(name)' has no um_per_px and no objectives")
        }
        return Microscope(name: name, umPerPixel: flat, scaleBarUM: bar, objectives: objectives)
    }

    static func objective(name: String, _ value: JSONValue, path: String, file: String) throws -> Objective {
        if let v = number(value) {
            return Objective(name: name, umPerPixel: try positive(v, key: path, file: file), scaleBarUM: nil)
        }
        guard let o = value.objectValue else {
            throw ReticleError(.usage, file: file, "\(path): expected µm/px or {um_per_px: …}, got \(value.serialized())")
        }
        guard let raw = o["um_per_px"] else {
            throw ReticleError(.usage, file: file, "\(path): missing key um_per_px")
        }
        guard let v = number(raw) else {
            throw ReticleError(.usage, file: file, "\(path).um_per_px: expected a number, got \(raw.serialized())")
        }
        return Objective(name: name, umPerPixel: try positive(v, key: "\(path).um_per_px", file: file),
                         scaleBarUM: try optionalLength(o["scale_bar_um"], key: "\(path).scale_bar_um", file: file))
    }

    static func optionalLength(_ value: JSONValue?, key: String, file: String) throws -> Double? {
        guard let value, value != .null else { return nil }
        guard let v = number(value) else {
            throw ReticleError(.usage, file: file, "\(key): expected a length in µm, got \(value.serialized())")
        }
        return try positive(v, key: key, file: file)
    }

    static func positive(_ v: Double, key: String, file: String) throws -> Double {
        guard v.isFinite, v > 0 else {
            throw ReticleError(.usage, file: file, "\(key): must be a positive number, got \(MicrographCalibration.format(v))")
        }
        return v
    }

    /// Numbers, and strings that are numbers (YAML writers quote them now and then).
    static func number(_ value: JSONValue) -> Double? {
        if let d = value.doubleValue { return d }
        if let s = value.stringValue { return Double(s.trimmingCharacters(in: .whitespaces)) }
        return nil
    }

    /// Exact name first, then ignoring case ("50X" for "50x").
    static func find<T>(_ name: String, in items: [T], _ key: (T) -> String) -> T? {
        items.first { key($0) == name } ?? items.first { key($0).caseInsensitiveCompare(name) == .orderedSame }
    }

    static func list(_ names: [String]) -> String { names.isEmpty ? "none" : names.joined(separator: ", ") }
}
