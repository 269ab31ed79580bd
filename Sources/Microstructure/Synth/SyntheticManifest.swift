// `manifest.csv` of a generated dataset: one row per image with the labels a trainer reads
// (image, specimen, type, needle_class, um_per_px, needle_length_um).

import Foundation

public struct SyntheticManifest: Equatable, Sendable {
    public struct Row: Equatable, Sendable {
        /// Path relative to the dataset folder, with '/' separators.
        public var image: String
        public var specimen: String
        public var type: MicrostructureType
        /// Empty for structures without needles.
        public var needleClass: Int?
        public var umPerPixel: Double
        public var needleLengthUM: Double?

        public init(image: String, truth: MicrographTruth) {
            self.image = image
            specimen = truth.specimen
            type = truth.type
            needleClass = truth.needleClass
            umPerPixel = truth.umPerPixel
            needleLengthUM = truth.meanNeedleLengthUM
        }
    }

    public static let columns = ["image", "specimen", "type", "needle_class", "um_per_px", "needle_length_um"]

    public var rows: [Row]

    public init(rows: [Row]) { self.rows = rows }

    /// The CSV text; numbers print the same on every platform (shortest round-trip µm/px,
    /// three decimals for lengths). Generated names hold no commas or quotes, so no quoting.
    public var csv: String {
        var out = Self.columns.joined(separator: ",") + "\n"
        for r in rows {
            let fields = [r.image, r.specimen, r.type.rawValue, r.needleClass.map(String.init) ?? "",
                          "\(r.umPerPixel)", r.needleLengthUM.map { String(format: "%.3f", $0) } ?? ""]
            out += fields.joined(separator: ",") + "\n"
        }
        return out
    }
}
