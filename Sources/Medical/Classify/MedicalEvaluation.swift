// `med evaluate`: a model's figures on one split of a medical image set, read as the model was
// trained (the data options stored in its manifest): ROC-AUC, PR-AUC, accuracy, balanced
// accuracy, macro-F1, sensitivity and specificity at the threshold, the confusion matrix and
// percentile-bootstrap 95 % intervals, plus the expected calibration error with its reliability
// table. A
// multi-label task is reported per label, with the means on top.

import Foundation
import Shared

public struct MedicalEvaluation: Sendable {
    public let json: JSONObject

    /// The samples `indices` of `set` as one input tensor and label arrays per head.
    static func batch(_ set: MedicalImageSet, _ indices: [Int]) throws -> (Tensor, [[Int]]) {
        var images: [Tensor] = []
        for i in indices { images.append(try set.sample(i).inputs[0]) }
        return (Tensor.stack(images), set.labels.map { l in indices.map { l[$0] } })
    }

    /// The model's data options for reading `dataPath` again, with its input size and channels.
    public static func dataOptions(for model: MedicalModel, labels: String?) throws -> MedicalDataOptions {
        var data = MedicalDataOptions()
        if let stored = model.medical["data"] {
            data = (try? OptionKeys.decode(MedicalDataOptions.self, from: stored)) ?? data
        }
        if let labels { data.labels = labels }
        // Concept rows only matter to a concept bottleneck; a plain model is evaluated on every labelled image.
        if model.bottleneck == nil { data.concepts = nil }
        data.imageSize = model.preprocessing.width
        data.channels = model.preprocessing.channels
        return data
    }

    public static func run(dataPath: String, options: MedEvaluateOptions) throws -> MedicalEvaluation {
        let model = try MedicalModel.load(options.model)
        var readOptions = try Self.dataOptions(for: model, labels: options.labels)
        if let c = options.concepts { readOptions.concepts = c }
        if let text = options.intervene { model.intervention = try model.parseIntervention(text) }
        let data = try MedicalDataset.load(dataPath, options: readOptions)
        let p = data.preprocessing, mp = model.preprocessing
        guard p.channels == mp.channels, p.width == mp.width, p.height == mp.height else {
            throw ReticleError(.usage, file: dataPath, "its images are \(p.channels)×\(p.height)×\(p.width), the model takes \(mp.channels)×\(mp.height)×\(mp.width)")
        }
        guard data.set.heads.map(\.classes) == model.spec.heads.map(\.classes) else {
            throw ReticleError(.usage, file: dataPath, "its classes \(data.set.heads.map(\.classes)) differ from the model's \(model.spec.heads.map(\.classes))")
        }
        // Intervention with the truth: model concept index → column of the data's concepts CSV.
        var trueColumns: [(concept: Int, column: Int)] = []
        if let text = options.interveneTrue {
            let chosen = try model.conceptIndices(text, option: "--intervene-true")
            guard !data.concepts.isEmpty else {
                throw ReticleError(.usage, file: dataPath, "--intervene-true reads each image's concepts from a concepts CSV; give --concepts")
            }
            trueColumns = try chosen.map { j in
                let name = model.bottleneck!.concepts[j]
                guard let column = data.conceptNames.firstIndex(of: name) else {
                    throw ReticleError(.usage, file: readOptions.concepts, "--intervene-true: the concepts CSV has no column \"\(name)\"")
                }
                return (j, column)
            }
        }
        let split = options.split == "validation" ? "val" : options.split
        let indices = split == "all" ? Array(0..<data.set.count) : (data.set.splits[split] ?? [])
        guard !indices.isEmpty else { throw ReticleError(.usage, file: dataPath, "the \(split) split is empty") }
        var heads: [JSONObject] = []
        var rocs: [Double] = [], accuracies: [Double] = [], eces: [Double] = []
        var disagreement: [Double] = [], entropy: [Double] = []
        var predictions: [[MedicalModel.HeadPrediction]] = []
        var truth: [[Int]] = model.spec.heads.map { _ in [] }
        var concepts: [[Double]] = []
        // Chunks keep the stacked input small whatever the split's size.
        for start in stride(from: 0, to: indices.count, by: 512) {
            let chunk = Array(indices[start..<min(start + 512, indices.count)])
            let (x, labels) = try batch(data.set, chunk)
            let perImage = trueColumns.isEmpty ? nil : chunk.map { i in
                Dictionary(uniqueKeysWithValues: trueColumns.map { ($0.concept, Double(data.concepts[i][$0.column])) })
            }
            predictions.append(model.predict(x, perImage: perImage))
            // Concept figures are the network's own: with the truth put in they would be perfect by construction.
            if let c = model.conceptActivations(x) { concepts += c }
            for h in labels.indices { truth[h] += labels[h] }
        }
        // Images of one patient are not independent: resampling them singly understates the spread.
        let byPatient = options.bootstrapBy == .patient && data.hasPatients
        let groups = byPatient ? indices.map { data.patients[$0]! } : nil
        for (h, head) in model.spec.heads.enumerated() {
            let probs = predictions.flatMap { $0[h].probabilities }
            disagreement += predictions.flatMap { $0[h].disagreement }
            entropy += predictions.flatMap { $0[h].entropy }
            let metrics = try ClassifierMetrics(probabilities: probs, truth: truth[h], classes: head.classes, threshold: options.threshold,
                                                groups: groups, resamples: options.bootstrap, seed: options.seed)
            let reliability = try ReliabilityTable(probabilities: probs, truth: truth[h], bins: options.bins)
            var o = metrics.json
            o["head"] = .string(head.name)
            o["ece"] = .number(reliability.expectedCalibrationError)
            o["reliability"] = .array(reliability.bins.filter { $0.count > 0 }.map { b in
                .object(["lower": .number(b.lower), "upper": .number(b.upper), "count": .int(b.count),
                         "confidence": .number(b.meanConfidence ?? 0), "accuracy": .number(b.accuracy ?? 0)])
            })
            heads.append(o)
            if let r = metrics.rocAUC { rocs.append(r) }
            accuracies.append(metrics.accuracy)
            eces.append(reliability.expectedCalibrationError)
        }
        var out = JSONObject()
        out["model"] = .string((options.model as NSString).lastPathComponent)
        out["data"] = .string((dataPath as NSString).lastPathComponent)
        out["split"] = .string(split)
        out["task"] = .string(data.set.task.rawValue)
        if heads.count == 1 {
            for (k, v) in heads[0] where k != "head" { out[k] = v }
        } else {
            out["samples"] = .int(indices.count)
            out["roc_auc"] = rocs.isEmpty ? .null : .number(rocs.reduce(0, +) / Double(rocs.count))
            out["accuracy"] = .number(accuracies.reduce(0, +) / Double(accuracies.count))
            out["ece"] = .number(eces.reduce(0, +) / Double(eces.count))
            out["heads"] = .array(heads.map(JSONValue.object))
        }
        if let b = model.bottleneck {
            var o = JSONObject()
            o["mode"] = .string(b.mode.rawValue)
            if !model.intervention.isEmpty {
                var set = JSONObject()
                for (j, v) in model.intervention.sorted(by: { $0.key < $1.key }) { set[b.concepts[j]] = .number(v) }
                o["intervention"] = .object(set)
            }
            if !trueColumns.isEmpty { o["intervention_true"] = .array(trueColumns.map { .string(b.concepts[$0.concept]) }) }
            if !b.adjustment.isIdentity { o["adjustment"] = .object(b.adjustment.json(concepts: b.concepts)) }
            if data.concepts.count == data.set.count && data.conceptNames == b.concepts {
                o["metrics"] = .object(conceptMetrics(predicted: concepts, truth: indices.map { data.concepts[$0] }, names: b.concepts))
            } else {
                o["metrics"] = .null
                o["note"] = .string("no concepts CSV with the model's concepts for this data (--concepts)")
            }
            out["concepts"] = .object(o)
        }
        var bootstrap: JSONObject = ["by": .string(byPatient ? "patient" : "image"), "resamples": .int(options.bootstrap),
                                     "units": .int(groups.map { Set($0).count } ?? indices.count)]
        if options.bootstrapBy == .patient && !byPatient { bootstrap["note"] = .string("the data names no patient for every image; images were resampled") }
        out["bootstrap"] = .object(bootstrap)
        out["temperature"] = .array(model.temperatures.map(JSONValue.number))
        if model.isEnsemble {
            let n = Double(max(disagreement.count, 1))
            var e = JSONObject()
            e["members"] = .int(model.members.count)
            e["aggregation"] = .string(model.aggregation.rawValue)
            e["mean_disagreement"] = .number(disagreement.reduce(0, +) / n)
            e["mean_entropy"] = .number(entropy.reduce(0, +) / n)
            out["ensemble"] = .object(e)
        }
        return MedicalEvaluation(json: out)
    }

    /// Per concept and on average: accuracy at 0.5 and ROC-AUC (null where the truth holds one value only).
    /// Shapes: predicted and truth N rows of one value per concept.
    static func conceptMetrics(predicted: [[Double]], truth: [[Int]], names: [String]) -> JSONObject {
        var per: [JSONValue] = [], accuracies: [Double] = [], aucs: [Double] = []
        for (j, name) in names.enumerated() {
            let p = predicted.map { $0[j] }, y = truth.map { $0[j] }
            let accuracy = Double(zip(p, y).filter { ($0.0 >= 0.5 ? 1 : 0) == $0.1 }.count) / Double(max(y.count, 1))
            let auc = try? ROCCurve.auc(scores: p, positives: y.map { $0 == 1 })
            accuracies.append(accuracy)
            if let auc { aucs.append(auc) }
            per.append(.object(["concept": .string(name), "accuracy": .number(accuracy), "roc_auc": auc.map(JSONValue.number) ?? .null,
                                "present": .int(y.filter { $0 == 1 }.count)]))
        }
        return ["mean_accuracy": .number(accuracies.reduce(0, +) / Double(max(accuracies.count, 1))),
                "mean_roc_auc": aucs.isEmpty ? .null : .number(aucs.reduce(0, +) / Double(aucs.count)),
                "per_concept": .array(per)]
    }

    /// A few readable lines.
    public var summary: String {
        func f(_ k: String) -> String { json[k]?.doubleValue.map { String(format: "%.4f", $0) } ?? "n/a" }
        func ci(_ k: String) -> String {
            guard let i = json["intervals"]?[k], let lo = i["lower"]?.doubleValue, let hi = i["upper"]?.doubleValue else { return "" }
            return String(format: " (95 %% CI %.4f–%.4f)", lo, hi)
        }
        var s = "\(json["data"]?.stringValue ?? "") [\(json["split"]?.stringValue ?? "")], \(json["samples"]?.intValue ?? 0) samples\n"
        s += "ROC-AUC \(f("roc_auc"))\(ci("roc_auc"))\nPR-AUC \(f("pr_auc"))\(ci("pr_auc"))\naccuracy \(f("accuracy"))\(ci("accuracy"))\n"
        if json["balanced_accuracy"] != nil { s += "balanced accuracy \(f("balanced_accuracy"))\nmacro-F1 \(f("macro_f1"))\n" }
        if json["sensitivity"] != nil { s += "at threshold \(f("threshold")): sensitivity \(f("sensitivity")), specificity \(f("specificity"))\n" }
        s += "ECE \(f("ece"))\n"
        if let c = json["confusion"]?.arrayValue {
            s += "confusion (rows truth, columns call): " + c.map { r in "[" + (r.arrayValue ?? []).compactMap { $0.intValue.map(String.init) }.joined(separator: " ") + "]" }.joined(separator: " ") + "\n"
        }
        return s
    }
}
