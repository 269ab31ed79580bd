// Per-specimen grading: the images of one specimen (grouped by name pattern or manifest)
// pooled by averaging their type and needle-class probabilities; a specimen needs review
// when any of its images does or its images disagree on the type.

import Foundation
import Shared

public struct SpecimenGrade: Sendable {
    public var specimen: String
    public var images: [String]
    public var type: String
    public var confidence: Double
    public var needleClass: String?
    public var needsReview: Bool
    public var reasons: [String]

    /// Groups the successful grading records (their `result` as `MicrographGrade.json` wrote it).
    public static func aggregate(_ records: [ItemRecord], grouping: SpecimenGrouping) -> [SpecimenGrade] {
        var order: [String] = []
        var groups: [String: [ItemRecord]] = [:]
        for r in records where r.status == .ok && r.result["type"] != nil {
            let s = grouping.specimen(of: r.file)
            if groups[s] == nil { order.append(s) }
            groups[s, default: []].append(r)
        }
        return order.map { s in
            let members = groups[s]!
            // Mean probabilities over the specimen's images; the most probable type, and for the
            // ordinal needle head the median class, as for single images.
            func pooled(_ key: String, ordinal: Bool = false) -> (String, Double)? {
                var sum: [String: Double] = [:]
                var names: [String] = []
                for r in members {
                    for (k, v) in r.result[key]?.objectValue ?? [:] {
                        if sum[k] == nil { names.append(k) }
                        sum[k, default: 0] += v.doubleValue ?? 0
                    }
                }
                guard !names.isEmpty else { return nil }
                let values = names.map { sum[$0]! }
                let best = names[ordinal ? PatchClassifier.median(values) : PatchClassifier.argmax(values)]
                return (best, sum[best]! / Double(members.count))
            }
            let (type, confidence) = pooled("type_probabilities") ?? ("", 0)
            var reasons: [String] = []
            let flagged = members.filter { $0.result["needs_review"]?.boolValue == true }
            if !flagged.isEmpty { reasons.append("\(flagged.count) of \(members.count) images need review") }
            let types = Set(members.compactMap { $0.result["type"]?.stringValue })
            if types.count > 1 { reasons.append("images disagree on the type: \(types.sorted().joined(separator: ", "))") }
            return SpecimenGrade(specimen: s, images: members.map(\.file), type: type, confidence: confidence,
                                 needleClass: pooled("needle_probabilities", ordinal: true)?.0, needsReview: !reasons.isEmpty, reasons: reasons)
        }
    }

    public var json: JSONObject {
        var o: JSONObject = ["specimen": .string(specimen), "images": .array(images.map { .string($0) }),
                             "type": .string(type), "confidence": .number((confidence * 10000).rounded() / 10000)]
        o["needle_class"] = needleClass.map { .string($0) } ?? .null
        if needleClass != nil { o["needle_scale"] = .string(GradingLabels.houseScale) }
        o["needs_review"] = .bool(needsReview)
        o["review_reasons"] = .array(reasons.map { .string($0) })
        return o
    }
}
