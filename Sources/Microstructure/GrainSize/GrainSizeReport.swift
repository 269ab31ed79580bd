// report.html and specimens.json of a grain-size run, rebuilt from every record in items/.
// A specimen's grain size is measured over all fields of all its images (E112 §15 and
// ISO 643: the fields are the sample, N_A or ℓ̄ is averaged, never G), with mean, s, 95 % CI
// and %RA; one image is one set of fields, not one measurement.

import Foundation
import Shared

public enum GrainSizeReport {
    /// Specimen statistics per method over every field of every image of each specimen.
    public static func specimens(_ records: [ItemRecord], grouping: SpecimenGrouping, standard: GrainSizeStandard,
                                 spec: GrainSizeSpec?) -> [JSONValue] {
        var byspecimen: [String: [ItemRecord]] = [:]
        for r in records where r.status == .ok { byspecimen[grouping.specimen(of: r.file), default: []].append(r) }
        return byspecimen.keys.sorted().map { name in
            let items = byspecimen[name]!
            var o: JSONObject = ["specimen": .string(name), "images": .int(items.count)]
            var reported: (method: String, g: Double)?
            for method in GrainSizeMethod.allCases {
                let values = items.flatMap { $0.result[method.rawValue]?["per_field"]?.arrayValue?.compactMap(\.doubleValue) ?? [] }
                guard !values.isEmpty else { continue }
                let s = FieldStatistics(values)
                let g = method.isPlanimetric ? standard.grainSizeNumber(grainsPerMM2: s.mean)
                                             : standard.grainSizeNumber(meanInterceptMM: s.mean * 1e-3)
                var m: JSONObject = ["fields": .int(values.count), "mean": .number(GrainSizeMeasurement.round(s.mean, 5)),
                                     "std_dev": .number(GrainSizeMeasurement.round(s.standardDeviation, 4)),
                                     "quantity": .string(method.isPlanimetric ? "N_A (grains/mm² at 1x)" : "mean lineal intercept ℓ̄ (µm)"),
                                     "G": .number((g * 100).rounded() / 100)]
                m["ci95"] = s.confidence95.map { .number(GrainSizeMeasurement.round($0, 4)) } ?? .null
                m["relative_accuracy_pct"] = s.relativeAccuracyPercent.map { .number(($0 * 10).rounded() / 10) } ?? .null
                o[method.rawValue] = .object(m)
                let first = items.first?.result["reported_method"]?.stringValue
                if reported == nil || first == method.rawValue { reported = (method.rawValue, g) }
            }
            let packets = items.flatMap { $0.result["packet_size"]?["per_field"]?.arrayValue?.compactMap(\.doubleValue) ?? [] }
            if !packets.isEmpty {
                let s = FieldStatistics(packets)
                var p: JSONObject = ["fields": .int(packets.count), "mean_intercept_um": .number(GrainSizeMeasurement.round(s.mean, 4)),
                                     "std_dev": .number(GrainSizeMeasurement.round(s.standardDeviation, 4)),
                                     "quantity": "packet size (not a prior-austenite grain size)"]
                p["ci95"] = s.confidence95.map { .number(GrainSizeMeasurement.round($0, 4)) } ?? .null
                p["relative_accuracy_pct"] = s.relativeAccuracyPercent.map { .number(($0 * 10).rounded() / 10) } ?? .null
                o["packet_size"] = .object(p)
            }
            if let reported {
                o["G"] = .number((reported.g * 100).rounded() / 100)
                o["reported_method"] = .string(reported.method)
                if let spec { o["spec"] = .object(spec.json(g: reported.g, method: reported.method)) }
            }
            return .object(o)
        }
    }

    /// Writes `report.html` and `specimens.json` into `outDir`.
    public static func write(_ records: [ItemRecord], grouping: SpecimenGrouping, standard: GrainSizeStandard,
                             spec: GrainSizeSpec?, to outDir: URL) throws {
        var rows: [HTMLReport.Row] = []
        var gCounts: [Int: Int] = [:]
        for r in records {
            guard r.status == .ok else {
                rows.append(HTMLReport.Row(file: r.file, ok: false, needsReview: true, reasons: [r.error ?? "error"]))
                continue
            }
            let o = r.result
            var cells: [(String, String)] = [("specimen", grouping.specimen(of: r.file)),
                                             ("µm/px", o["calibration"]?["um_per_px"].map { $0.serialized() } ?? ""),
                                             ("calibration source", o["calibration"]?["source"]?.stringValue ?? "")]
            if let g = o["G"]?.doubleValue {
                gCounts[Int(g.rounded()), default: 0] += 1
                cells.append(("G (\(o["reported_method"]?.stringValue ?? ""))", String(format: "%.2f", g)))
                for method in GrainSizeMethod.allCases {
                    if let m = o[method.rawValue]?.objectValue {
                        cells.append((method.rawValue, "G \(m["G"].map { $0.serialized() } ?? "")"))
                    }
                }
                let l = o[GrainSizeMethod.interceptLines.rawValue]?["mean_intercept_um"]
                    ?? o[GrainSizeMethod.planimetricCircle.rawValue]?["mean_intercept_um"]
                cells.append(("ℓ̄ µm", l.map { $0.serialized() } ?? ""))
                let a = o[GrainSizeMethod.planimetricCircle.rawValue]?["mean_grain_area_um2"]
                    ?? o[GrainSizeMethod.planimetricRectangle.rawValue]?["mean_grain_area_um2"]
                cells.append(("mean area µm²", a.map { $0.serialized() } ?? ""))
                cells.append(("ALA / duplex", o["distribution"]?["indication"]?.stringValue ?? ""))
            }
            if let p = o["packet_size"]?.objectValue {
                cells.append(("packet ℓ̄ µm (not G)", p["mean_intercept_um"].map { $0.serialized() } ?? ""))
            }
            if let s = o["spec"]?.objectValue {
                cells.append(("spec \(s["spec"]?.stringValue ?? "")", s["pass"]?.boolValue == true ? "pass" : "FAIL"))
            }
            let warnings = o["warnings"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let failed = o["spec"]?["pass"]?.boolValue == false
            rows.append(HTMLReport.Row(file: r.file, ok: true, needsReview: !warnings.isEmpty || failed,
                                       reasons: (failed ? ["fails \(spec?.text ?? "the specification")"] : []) + warnings,
                                       cells: cells, overlay: o["overlay"]?.stringValue))
        }
        let specimens = specimens(records, grouping: grouping, standard: standard, spec: spec)
        let specimenRows: [[String]] = specimens.compactMap(\.objectValue).map { s in
            let method = s["reported_method"]?.stringValue ?? ""
            let m = s[method]?.objectValue ?? [:]
            let status = s["spec"]?["pass"]?.boolValue.map { $0 ? "pass" : "FAIL" } ?? ""
            return [s["specimen"]?.stringValue ?? "", s["images"].map { $0.serialized() } ?? "", method,
                    m["fields"].map { $0.serialized() } ?? "", s["G"].map { $0.serialized() } ?? "",
                    m["mean"].map { $0.serialized() } ?? "", m["std_dev"].map { $0.serialized() } ?? "",
                    m["ci95"].map { $0.serialized() } ?? "", m["relative_accuracy_pct"].map { $0.serialized() } ?? "",
                    s["packet_size"]?["mean_intercept_um"].map { $0.serialized() } ?? "", status]
        }
        let report = HTMLReport(
            title: "Reticle: grain size (\(standard.edition))",
            notes: [standard.formulas,
                    "Specimen statistics pool every field of every image of the specimen (E112 §15 / ISO 643): mean, s, 95 % CI (Student t), %RA; G from the mean.",
                    "Overlays: boundaries red, fields white, intercept lines cyan, Abrams circles yellow, planimetric circle magenta, counted intercepts green."]
                + (spec.map { ["Specification: \($0.text), checked on the reported method's G."] } ?? []),
            distributions: [HTMLReport.Distribution(title: "G per image (rounded)", counts: gCounts.keys.sorted().map { (String($0), gCounts[$0]!) })],
            rows: rows,
            extraTables: [("Specimens", ["specimen", "images", "method", "fields", "G", "mean", "s", "95 % CI", "%RA",
                                         "packet ℓ̄ µm", "spec"], specimenRows)])
        try report.write(to: outDir.appendingPathComponent("report.html"))
        try AtomicFile.write(JSONValue.array(specimens).serialized(pretty: true) + "\n",
                             to: outDir.appendingPathComponent("specimens.json"))
    }
}
