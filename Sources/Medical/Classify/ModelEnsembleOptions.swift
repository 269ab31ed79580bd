// The options of `reticle model ensemble M1 M2 ... --out E`: how the members' predictions
// combine, the members' groups for nested aggregation, and the data set whose validation split
// the ensemble's temperature is fitted on. The member files are the command's inputs.

import Foundation
import Shared

public struct ModelEnsembleOptions: CommandOptions {
    public static let command = "model ensemble"

    public var aggregation = ModelEnsemble.Aggregation.mean
    /// Group number of each member, comma-separated (nested aggregation), e.g. "0,0,1,1".
    public var groups: String?
    /// Data set (.npz or folder, read as the first member was trained) whose validation split fits the temperature.
    public var calibrateOn: String?
    /// Labels CSV for folder data (default: the first member's).
    public var labels: String?

    public init() {}

    public var referencedFiles: [String: String] {
        var f: [String: String] = [:]
        if let calibrateOn, !FileManager.default.isDirectory(calibrateOn) { f["calibrate-on"] = calibrateOn }
        if let labels { f["labels"] = labels }
        return f
    }

    public func groupNumbers() throws -> [Int]? {
        guard let groups else { return nil }
        let parts = groups.split(separator: ",")
        let g = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard g.count == parts.count, g.allSatisfy({ $0 >= 0 }) else { throw ReticleError(.usage, "--groups must be group numbers ≥ 0 separated by commas, got \"\(groups)\"") }
        return g
    }

    public func validate() throws {
        _ = try groupNumbers()
        guard aggregation != .nested || groups != nil else { throw ReticleError(.usage, "--aggregation nested needs --groups") }
    }

    /// Writes the ensemble of `members` to `out`; with `calibrateOn`, fits its temperature on that data's
    /// validation split. Returns the ensemble as loaded back.
    public func build(members: [String], out: URL) throws -> MedicalModel {
        let groups = try groupNumbers()
        try ModelEnsemble.write(members: members, groups: groups, aggregation: aggregation, to: out)
        // The first member's temperature is its own, not the ensemble's: none until one is fitted.
        var model = try MedicalModel.load(out.path)
        var medical = model.medical
        medical["temperature"] = .array(model.spec.heads.map { _ in .number(1) })
        try ModelEnsemble.write(members: members, groups: groups, aggregation: aggregation, to: out,
                                extraProvenance: [MedicalModel.provenanceKey: .object(medical)])
        model = try MedicalModel.load(out.path)
        guard let calibrateOn else { return model }
        let data = try MedicalDataset.load(calibrateOn, options: try MedicalEvaluation.dataOptions(for: model, labels: labels))
        guard let validation = data.set.splits["val"], !validation.isEmpty else {
            throw ReticleError(.usage, file: calibrateOn, "has no validation split to fit the temperature on")
        }
        let (x, y) = try MedicalEvaluation.batch(data.set, validation)
        try model.fitTemperatures(x, labels: y)
        medical["temperature"] = .array(model.temperatures.map(JSONValue.number))
        medical["temperature_fitted_on"] = .string("\((calibrateOn as NSString).lastPathComponent) [val, \(validation.count) samples]")
        try ModelEnsemble.write(members: members, groups: groups, aggregation: aggregation, to: out,
                                extraProvenance: [MedicalModel.provenanceKey: .object(medical)])
        return try MedicalModel.load(out.path)
    }
}

extension FileManager {
    func isDirectory(_ path: String) -> Bool {
        var d: ObjCBool = false
        return fileExists(atPath: path, isDirectory: &d) && d.boolValue
    }
}
