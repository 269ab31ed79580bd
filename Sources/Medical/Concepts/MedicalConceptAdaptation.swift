// `med adapt-concepts`: a concept bottleneck model adapted to a new site without training. From the
// site's labelled images it takes `shots` per class (seeded), lets `ConceptAdaptation` mask the
// concepts that fire where they should not and amplify the ones that stay too weak, and measures
// accuracy before and after on the site's other images (and on the shots). The adapted model is
// the same weights with the adjustment, and the record of what was done and measured in its
// manifest (provenance "concept_adaptation").

import Foundation
import Shared

public struct MedicalConceptAdaptation {
    public let json: JSONObject
    public let model: MedicalModel

    public static func run(dataPath: String, options: MedAdaptConceptsOptions) throws -> MedicalConceptAdaptation {
        let model = try MedicalModel.load(options.model)
        guard let bottleneck = model.bottleneck else {
            throw ReticleError(.usage, file: options.model, "is not a concept bottleneck model (med train --concepts ... --cbm ...)")
        }
        var dataOptions = try MedicalEvaluation.dataOptions(for: model, labels: nil)
        // The site is other data: the training labels CSV does not describe it, and it needs class labels only.
        dataOptions.labels = options.labels
        dataOptions.concepts = nil
        let data = try MedicalDataset.load(dataPath, options: dataOptions)
        guard data.set.heads.map(\.classes) == model.spec.heads.map(\.classes) else {
            throw ReticleError(.usage, file: dataPath, "its classes \(data.set.heads.map(\.classes)) differ from the model's \(model.spec.heads.map(\.classes))")
        }
        let labels = data.set.labels[0]
        var rng = SplitMix64(seed: options.seed)
        var shots: [Int] = [], rest: [Int] = []
        for c in model.spec.heads[0].classes.indices {
            let members = labels.indices.filter { labels[$0] == c }.shuffled(using: &rng)
            guard members.count > options.shots else {
                throw ReticleError(.usage, file: dataPath, "class \"\(model.spec.heads[0].classes[c])\" has \(members.count) image(s); --shots \(options.shots) needs more, to keep some for measuring")
            }
            shots += members.prefix(options.shots)
            rest += members.dropFirst(options.shots)
        }
        rest.sort()
        let (xs, _) = try MedicalEvaluation.batch(data.set, shots)
        let (xr, _) = try MedicalEvaluation.batch(data.set, rest)
        let raw = bottleneck.rawConcepts(xs), rawRest = bottleneck.rawConcepts(xr)
        func accuracy(_ concepts: [[Double]], _ truth: [Int], _ a: ConceptAdjustment) -> Double {
            let p = bottleneck.classProbabilities(concepts: concepts.map(a.apply))
            return Double(zip(p, truth).filter { r, y in r.indices.max { r[$0] < r[$1] }! == y }.count) / Double(truth.count)
        }
        let before = bottleneck.adjustment
        let result = try ConceptAdaptation.fit(bottleneck, shots: raw, labels: shots.map { labels[$0] })
        let restTruth = rest.map { labels[$0] }, shotTruth = shots.map { labels[$0] }
        var o = JSONObject()
        o["site_data"] = .string((dataPath as NSString).lastPathComponent)
        o["shots_per_class"] = .int(options.shots)
        o["seed"] = .int(Int(options.seed))
        o["evaluated_images"] = .int(rest.count)
        o["accuracy_before"] = .number(accuracy(rawRest, restTruth, before))
        o["accuracy_after"] = .number(accuracy(rawRest, restTruth, result.adjustment))
        o["shot_accuracy_before"] = .number(accuracy(raw, shotTruth, before))
        o["shot_accuracy_after"] = .number(accuracy(raw, shotTruth, result.adjustment))
        o["masked"] = .array(result.edits.filter { $0.kind == .mask }.map { .string(bottleneck.concepts[$0.concept]) })
        o["amplified"] = .array(result.edits.filter { $0.kind == .amplify }.map {
            .object(["concept": .string(bottleneck.concepts[$0.concept]), "scale": .number($0.scale)])
        })
        var ratios = JSONObject()
        for (j, r) in result.signalRatios.enumerated() { ratios[bottleneck.concepts[j]] = r.map(JSONValue.number) ?? .null }
        o["signal_ratios"] = .object(ratios)
        bottleneck.adjustment = result.adjustment
        var manifest = model.manifest
        manifest.provenance["concept_adaptation"] = .object(o)
        manifest.provenance["adapted_from"] = .string((options.model as NSString).lastPathComponent)
        return MedicalConceptAdaptation(json: o, model: MedicalModel(manifest: manifest, members: model.members, temperatures: model.temperatures,
                                                                     file: model.file, bottleneck: bottleneck))
    }

    /// Writes the adapted model file.
    public func save(to url: URL) throws {
        try model.bottleneck!.save(manifest: model.manifest, to: url)
    }

    public var summary: String {
        func f(_ k: String) -> String { json[k]?.doubleValue.map { String(format: "%.4f", $0) } ?? "n/a" }
        let masked = json["masked"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let amplified = json["amplified"]?.arrayValue?.compactMap { a in
            a["concept"]?.stringValue.map { "\($0) ×\(String(format: "%.2f", a["scale"]?.doubleValue ?? 1))" }
        } ?? []
        return """
        masked: \(masked.isEmpty ? "none" : masked.joined(separator: ", "))
        amplified: \(amplified.isEmpty ? "none" : amplified.joined(separator: ", "))
        accuracy on \(json["evaluated_images"]?.intValue ?? 0) other site images: before \(f("accuracy_before")), after \(f("accuracy_after"))
        accuracy on the shots: before \(f("shot_accuracy_before")), after \(f("shot_accuracy_after"))

        """
    }
}
