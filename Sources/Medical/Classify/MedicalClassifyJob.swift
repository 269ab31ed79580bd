// Classifying one image or DICOM file as a batch item (`med classify`): read it as training
// read its kind, predict every head (calibrated probabilities; an ensemble's disagreement and
// entropy too), look up its true label when a labels CSV was given, and write the thumbnail and
// saliency overlay the report links to. A DICOM input's results are also written back as
// DICOM (`dicomResults`): a Structured Report and a Secondary Capture of the overlay.

import Foundation
import Shared

public struct MedicalClassifyJob: @unchecked Sendable {  // the model's weights are only read
    public let model: MedicalModel
    let labels: MedicalLabelTable?
    public let options: MedClassifyOptions
    public let overlaysDir: URL?
    /// Decoded `.npz` inputs, read once however many of their images are items.
    let archives = NpzImageSets()

    static let sopInstanceUID = DicomTag(0x0008, 0x0018, "SOPInstanceUID")
    static let seriesInstanceUID = DicomTag(0x0020, 0x000E, "SeriesInstanceUID")
    static let studyInstanceUID = DicomTag(0x0020, 0x000D, "StudyInstanceUID")

    /// The batch's items with each `.npz` input replaced by one item per image of the chosen split
    /// (`file.npz#split/index`); other inputs unchanged. An archive that cannot be read stays one item, whose row
    /// then carries the error.
    public func expand(_ items: [InputItem]) -> [InputItem] {
        items.flatMap { item -> [InputItem] in
            guard item.path.lowercased().hasSuffix(".npz"), let set = try? archives.set(item.path) else { return [item] }
            let n = set.splits[options.split]?.count ?? 0
            return (0..<n).map { k in
                InputItem(path: "\(item.path)#\(options.split)/\(k)", displayPath: "\(item.displayPath)#\(options.split)/\(k)",
                          id: "\(item.id)-\(options.split)-\(k)", container: item.path)
            }
        }
    }

    public func classify(_ item: InputItem) throws -> JSONObject {
        if item.path.lowercased().hasSuffix(".npz") {
            // Left whole by `expand`: unreadable (this throws why) or without images in the split.
            _ = try archives.set(item.path)
            throw ReticleError(.usage, file: item.path, "its \(options.split) split holds no images")
        }
        let member = NpzImageSets.member(item.path)
        let isDicom = member == nil && MedicalImageReader.isDicom(item.path)
        let dicom = isDicom ? try DicomFile(path: item.path) : nil
        var npzTruth: String?
        let image: Image, x: Tensor
        if let member {
            (image, x, npzTruth) = try archives.image(member, preprocessing: model.preprocessing, classes: model.spec.heads[0].classes)
        } else {
            image = try dicom.map { try MedicalImageReader.dicom($0, path: item.path) } ?? MedicalImageReader.read(item.path)
            x = try model.preprocessing.tensor(image)
        }
        let batch = x.reshaped([1] + x.shape)
        let predictions = model.predict(batch)
        var result = JSONObject()
        var reasons: [String] = []
        for (h, head) in model.spec.heads.enumerated() {
            let p = predictions[h].probabilities[0]
            var call = predictions[h].calls[0]
            if head.classes.count == 2 && model.aggregation != .vote { call = p[1] >= options.threshold ? 1 : 0 }
            var o = JSONObject()
            o["label"] = .string(head.classes[call])
            o["confidence"] = .number(p[call])
            var probs = JSONObject()
            for (c, name) in head.classes.enumerated() { probs[name] = .number(p[c]) }
            o["probabilities"] = .object(probs)
            if model.isEnsemble {
                o["disagreement"] = .number(predictions[h].disagreement[0])
                o["entropy"] = .number(predictions[h].entropy[0])
                if predictions[h].disagreement[0] > 1 - options.minConfidence { reasons.append("members disagree on \(head.name)") }
            }
            if p[call] < options.minConfidence { reasons.append(String(format: "%@ confidence %.2f", head.name, p[call])) }
            if model.spec.heads.count == 1 {
                for (k, v) in o { result[k] = v }
            } else {
                result[head.name] = .object(o)
            }
        }
        if let bottleneck = model.bottleneck, let c = model.conceptActivations(batch)?.first {
            // The concepts as the class head saw them; intervened ones are named.
            var concepts = JSONObject()
            for (j, name) in bottleneck.concepts.enumerated() { concepts[name] = .number(c[j]) }
            result["concepts"] = .object(concepts)
            if !model.intervention.isEmpty { result["intervened"] = .array(model.intervention.keys.sorted().map { .string(bottleneck.concepts[$0]) }) }
        }
        if let truth = npzTruth ?? self.truth(item, dicom: dicom) { result["truth"] = .string(truth) }
        result["review"] = .bool(!reasons.isEmpty)
        if !reasons.isEmpty { result["review_reasons"] = .array(reasons.map(JSONValue.string)) }
        var overlayImage: Image?
        if let overlaysDir {
            let gray = image.grayscale()
            let thumbnail = try Self.thumbnail(gray)
            try ImageFile.write(thumbnail, to: overlaysDir.appendingPathComponent("\(item.id)-thumb.png").path)
            result["thumbnail"] = .string("overlays/\(item.id)-thumb.png")
            if let method = options.explain {
                let call = predictions[0].calls[0]
                var sum = SaliencyMap(width: model.preprocessing.width, height: model.preprocessing.height)
                for network in model.members {
                    let map = try method.maps(network: network, input: batch, head: 0, classIndex: call)[0]
                    for i in sum.values.indices { sum.values[i] += map.values[i] / Float(model.members.count) }
                }
                let overlay = HeatmapOverlay().render(thumbnail, map: sum.normalized())
                let name = "\(item.id)-\(method.rawValue.replacingOccurrences(of: "+", with: "p")).png"
                try ImageFile.write(overlay, to: overlaysDir.appendingPathComponent(name).path)
                result["overlay"] = .string("overlays/\(name)")
                overlayImage = overlay
            }
        }
        if let dicom {
            result["dicom"] = .object(try dicomResults(for: dicom, item: item, result: result, overlay: overlayImage))
        }
        return result
    }

    /// A DICOM input's results as DICOM objects beside the other outputs (`dicom/` next to `overlays/`): a
    /// Structured Report (finding, probability, model name and version, reference to the source instance)
    /// and, when an overlay was drawn, a Secondary Capture of it. Both are new instances in the source's
    /// study with empty patient attributes; the item's result names them and carries the same content.
    func dicomResults(for file: DicomFile, item: InputItem, result: JSONObject, overlay: Image?) throws -> JSONObject {
        var o = JSONObject()
        o["referenced_sop_class_uid"] = file.sopClassUID.map(JSONValue.string) ?? .null
        o["referenced_sop_instance_uid"] = file.string(Self.sopInstanceUID).map(JSONValue.string) ?? .null
        o["series_instance_uid"] = file.string(Self.seriesInstanceUID).map(JSONValue.string) ?? .null
        o["study_instance_uid"] = file.string(Self.studyInstanceUID).map(JSONValue.string) ?? .null
        // A multi-head model reports its first head in the SR (the one the overlay explains).
        let first = model.spec.heads.count == 1 ? result : (result[model.spec.heads[0].name]?.objectValue ?? JSONObject())
        o["finding"] = first["label"] ?? .null
        o["probability"] = first["confidence"] ?? .null
        let modelName = ((model.file ?? "model") as NSString).lastPathComponent
        o["model"] = .string(modelName)
        o["model_sha256"] = .string(model.file.map(BatchSettings.fingerprint) ?? "")
        o["reticle"] = .string(ReticleVersion.string)
        guard let overlaysDir, let label = first["label"]?.stringValue, let probability = first["confidence"]?.doubleValue else { return o }
        let dir = overlaysDir.deletingLastPathComponent().appendingPathComponent("dicom")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let finding = DicomFinding(label: label, probability: probability, modelName: modelName,
                                   modelVersion: "\(o["model_sha256"]?.stringValue?.prefix(19) ?? "") reticle \(ReticleVersion.string)")
        let sr = dir.appendingPathComponent("\(item.id).sr.dcm")
        try AtomicFile.write(to: sr) { try DicomResultWriter.writeStructuredReport(source: item.path, finding: finding, to: $0.path) }
        o["structured_report"] = .string("dicom/\(item.id).sr.dcm")
        if let overlay {
            let sc = dir.appendingPathComponent("\(item.id).sc.dcm")
            try AtomicFile.write(to: sc) { try DicomResultWriter.writeSecondaryCapture(source: item.path, overlay: overlay, to: $0.path) }
            o["secondary_capture"] = .string("dicom/\(item.id).sc.dcm")
        }
        return o
    }

    /// The input's label in the labels CSV: by file, else series, else patient.
    func truth(_ item: InputItem, dicom: DicomFile?) -> String? {
        guard let labels else { return nil }
        if let key = labels.fileKey(item.path, root: FileManager.default.currentDirectoryPath), let l = labels.byFile[key] { return l }
        if let key = labels.fileKey(item.displayPath, root: FileManager.default.currentDirectoryPath), let l = labels.byFile[key] { return l }
        if let dicom {
            if let s = dicom.string(Self.seriesInstanceUID), let l = labels.bySeries[s] { return l }
            if let p = dicom.string(.patientID), let l = labels.byPatient[p] { return l }
        }
        return nil
    }

    /// Grey 8-bit, 224 px on the long side at least (MedMNIST's 28 px is too small to see) and 384 at most.
    static func thumbnail(_ gray: Image) throws -> Image {
        let long = Double(max(gray.width, gray.height))
        let scale = long < 224 ? 224 / long : min(1, 384 / long)
        var out = gray
        out.calibration = nil
        if scale != 1 { out = try Resampler.resample(out, width: max(1, Int(Double(gray.width) * scale)), height: max(1, Int(Double(gray.height) * scale))) }
        return out.converted(to: .uint8)
    }
}
