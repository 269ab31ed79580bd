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
        data.imageSize = model.preprocessing.width
        data.channels = model.preprocessing.channels
        return data
    }

    public static func run(dataPath: String, options: MedEvaluateOptions) throws -> MedicalEvaluation {
        let model = try MedicalModel.load(options.model)
        let data = try MedicalDataset.load(dataPath, options: try dataOptions(for: model, labels: options.labels))
        let p = data.preprocessing, mp = model.preprocessing
        guard p.channels == mp.channels, p.width == mp.width, p.height == mp.height else {
            throw ReticleError(.usage, file: dataPath, "its images are \(p.channels)×\(p.height)×\(p.width), the model takes \(mp.channels)×\(mp.height)×\(mp.width)")
        }
        guard data.set.heads.map(\.classes) == model.spec.heads.map(\.classes) else {
            throw ReticleError(.usage, file: dataPath, "its classes \(data.set.heads.map(\.classes)) differ from the model's \(model.spec.heads.map(\.classes))")
        }
        let split = options.split == "validation" ? "val" : options.split
        let indices = split == "all" ? Array(0..<data.set.count) : (data.set.splits[split] ?? [])
        guard !indices.isEmpty else { throw ReticleError(.usage, file: dataPath, "the \(split) split is empty") }
        var heads: [JSONObject] = []
        var rocs: [Double] = [], accuracies: [Double] = [], eces: [Double] = []
        var disagreement: [Double] = [], entropy: [Double] = []
        var predictions: [[MedicalModel.HeadPrediction]] = []
        var truth: [[Int]] = model.spec.heads.map { _ in [] }
        // Chunks keep the stacked input small whatever the split's size.
        for start in stride(from: 0, to: indices.count, by: 512) {
            let chunk = Array(indices[start..<min(start + 512, indices.count)])
            let (x, labels) = try batch(data.set, chunk)
            predictions.append(model.predict(x))
            for h in labels.indices { truth[h] += labels[h] }
        }
        for (h, head) in model.spec.heads.enumerated() {
            let probs = predictions.flatMap { $0[h].probabilities }
            disagreement += predictions.flatMap { $0[h].disagreement }
            entropy += predictions.flatMap { $0[h].entropy }
            let metrics = try ClassifierMetrics(probabilities: probs, truth: truth[h], classes: head.classes, threshold: options.threshold,
                                                resamples: options.bootstrap, seed: options.seed)
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
