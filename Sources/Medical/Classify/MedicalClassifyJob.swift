// Classifying one image or DICOM file as a batch item (`med classify`): read it as training
// read its kind, predict every head (calibrated probabilities; an ensemble's disagreement and
// entropy too), look up its true label when a labels CSV was given, and write the thumbnail and
// Grad-CAM overlay the report links to. A DICOM input's results also go through
// `dicomResults(for:...)`, the one place where they are to be written back as DICOM.

import Foundation
import Shared

public struct MedicalClassifyJob: @unchecked Sendable {  // the model's weights are only read
    public let model: MedicalModel
    let labels: MedicalLabelTable?
    public let options: MedClassifyOptions
    public let overlaysDir: URL?

    static let sopInstanceUID = DicomTag(0x0008, 0x0018, "SOPInstanceUID")
    static let seriesInstanceUID = DicomTag(0x0020, 0x000E, "SeriesInstanceUID")
    static let studyInstanceUID = DicomTag(0x0020, 0x000D, "StudyInstanceUID")

    public func classify(_ item: InputItem) throws -> JSONObject {
        let isDicom = MedicalImageReader.isDicom(item.path)
        let dicom = isDicom ? try DicomFile(path: item.path) : nil
        let image = try dicom.map { try MedicalImageReader.dicom($0, path: item.path) } ?? MedicalImageReader.read(item.path)
        let x = try MedicalImageReader.tensor(image, preprocessing: model.preprocessing)
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
        if let truth = self.truth(item, dicom: dicom) { result["truth"] = .string(truth) }
        result["review"] = .bool(!reasons.isEmpty)
        if !reasons.isEmpty { result["review_reasons"] = .array(reasons.map(JSONValue.string)) }
        if let overlaysDir {
            let gray = image.grayscale()
            try ImageFile.write(try Self.thumbnail(gray), to: overlaysDir.appendingPathComponent("\(item.id)-thumb.png").path)
            result["thumbnail"] = .string("overlays/\(item.id)-thumb.png")
            if options.explain == .gradcam {
                let call = predictions[0].calls[0]
                var sum = SaliencyMap(width: model.preprocessing.width, height: model.preprocessing.height)
                for network in model.members {
                    let map = try GradCAM(network: network).maps(batch, head: 0, classIndex: call)[0]
                    for i in sum.values.indices { sum.values[i] += map.values[i] / Float(model.members.count) }
                }
                let overlay = HeatmapOverlay().render(try Self.thumbnail(gray), map: sum.normalized())
                try ImageFile.write(overlay, to: overlaysDir.appendingPathComponent("\(item.id)-gradcam.png").path)
                result["overlay"] = .string("overlays/\(item.id)-gradcam.png")
            }
        }
        if let dicom { result["dicom"] = .object(dicomResults(for: dicom, result: result, overlay: result["overlay"]?.stringValue)) }
        return result
    }

    /// Where a DICOM input's results become DICOM objects: a Structured Report (finding, probability,
    /// model name and version, reference to the source instance) and a Secondary Capture of the overlay.
    /// Today it returns the content those objects carry (never patient attributes), which lands in the
    /// item's result; the DICOM writers are to be called from here.
    func dicomResults(for file: DicomFile, result: JSONObject, overlay: String?) -> JSONObject {
        var o = JSONObject()
        o["referenced_sop_class_uid"] = file.sopClassUID.map(JSONValue.string) ?? .null
        o["referenced_sop_instance_uid"] = file.string(Self.sopInstanceUID).map(JSONValue.string) ?? .null
        o["series_instance_uid"] = file.string(Self.seriesInstanceUID).map(JSONValue.string) ?? .null
        o["study_instance_uid"] = file.string(Self.studyInstanceUID).map(JSONValue.string) ?? .null
        o["finding"] = result["label"] ?? .null
        o["probability"] = result["confidence"] ?? .null
        o["model"] = .string(((model.file ?? "model") as NSString).lastPathComponent)
        o["model_sha256"] = .string(model.file.map(BatchSettings.fingerprint) ?? "")
        o["reticle"] = .string(ReticleVersion.string)
        if let overlay { o["overlay"] = .string(overlay) }
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
