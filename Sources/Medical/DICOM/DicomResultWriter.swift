// Classification results written back as DICOM through dcmtk, one pair per DICOM input: a
// Comprehensive SR (finding, probability, model name and version, a reference to the source
// instance) and an RGB Secondary Capture of the overlay. Both are new instances in new series of
// the source's study. Only the UIDs that link a result to its source are copied; the Patient
// module is present (the standard requires it) but empty, so no patient name or ID leaves with a
// result (docs/architecture.md, "DICOM results").

import CDcmtk
import Foundation
import Shared

public enum DicomResultWriter {
    /// Writes the Structured Report for `finding` read from `source` to `path`.
    /// Throws `.usage` for an invalid finding, `.corrupt` when the source cannot be referenced
    /// (no SOP Instance UID), `.io` when the file cannot be written.
    public static func writeStructuredReport(source: String, finding: DicomFinding, to path: String) throws {
        guard !finding.label.isEmpty, !finding.modelName.isEmpty, !finding.modelVersion.isEmpty else {
            throw ReticleError(.usage, file: path, "a DICOM finding needs a label, a model name and a model version")
        }
        guard finding.probability.isFinite, (0...1).contains(finding.probability) else {
            throw ReticleError(.usage, file: path, "probability \(finding.probability) is not in 0...1")
        }
        let file = try DicomFile(path: source)
        try prepare(path)
        var err = [CChar](repeating: 0, count: 512)
        let rc = finding.label.withCString { label in
            finding.modelName.withCString { model in
                finding.modelVersion.withCString { version in
                    var f = rt_dcm_finding(label: label, probability: finding.probability, model_name: model,
                                           model_version: version)
                    return file.withHandle { rt_dcm_write_structured_report($0, &f, path, &err, err.count) }
                }
            }
        }
        try check(rc, err, source: source, path: path)
    }

    /// Writes `overlay` (any channel count and sample type; shown as 8-bit RGB) as a Secondary
    /// Capture derived from `source` to `path`.
    public static func writeSecondaryCapture(source: String, overlay: Image, to path: String) throws {
        guard overlay.width > 0, overlay.height > 0, overlay.width <= 65535, overlay.height <= 65535 else {
            throw ReticleError(.usage, file: path, "overlay of \(overlay.width) × \(overlay.height) does not fit DICOM Rows/Columns")
        }
        // `storage` is mutable after init: check it still matches the geometry before indexing it.
        guard overlay.storage.count == overlay.pixelCount * overlay.channels else {
            throw ReticleError(.usage, file: path, "overlay holds \(overlay.storage.count) samples, " +
                               "\(overlay.width) × \(overlay.height) × \(overlay.channels) expected")
        }
        let file = try DicomFile(path: source)
        let rgb = rgb8(overlay)
        try prepare(path)
        var err = [CChar](repeating: 0, count: 512)
        let rc = rgb.withUnsafeBufferPointer { px in
            file.withHandle {
                rt_dcm_write_secondary_capture($0, px.baseAddress, UInt32(overlay.width), UInt32(overlay.height), path,
                                               &err, err.count)
            }
        }
        try check(rc, err, source: source, path: path)
    }

    /// Interleaved 8-bit RGB: grey replicated, alpha dropped, 16-bit and float (0...1) scaled.
    static func rgb8(_ image: Image) -> [UInt8] {
        let bytes: [UInt8]
        if case .uint8(let a) = image.storage { bytes = a } else if case .uint8(let a) = image.converted(to: .uint8).storage {
            bytes = a
        } else {
            bytes = []
        }
        let c = image.channels
        if c == 3 { return bytes }
        var out = [UInt8](repeating: 0, count: image.pixelCount * 3)
        for p in 0..<image.pixelCount {
            for k in 0..<3 { out[p * 3 + k] = bytes[p * c + (c >= 3 ? k : 0)] }
        }
        return out
    }

    private static func prepare(_ path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty {
            do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw ReticleError(.io, file: path, "cannot create its folder: \(error.localizedDescription)")
            }
        }
    }

    private static func check(_ rc: Int32, _ err: [CChar], source: String, path: String) throws {
        guard Int(rc) == RT_DCM_OK else {
            let reason = DicomFile.text(err)
            if reason.contains("source") { throw ReticleError(.corrupt, file: source, reason) }
            throw ReticleError(.io, file: path, reason)
        }
    }
}
