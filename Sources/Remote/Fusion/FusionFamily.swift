// The three families of land-cover model, each with fusion and single-modality variants, and the
// `--model-kind` names that pick a family and its modalities together:
//   fusion, hsi-only, lidar-only                    two-branch patch CNN
//   csf, csf-hsi-only, csf-lidar-only               cross-state (CSFMamba-style) selective scans on patches
//   freenet, freenet-hsi-only, freenet-lidar-only   patch-free encoder–decoder over the whole scene

import Foundation
import Shared

public enum FusionFamily: String, Codable, Sendable, CaseIterable {
    case twoBranch = "two-branch"
    case crossState = "cross-state"
    case patchFree = "patch-free"

    /// The prefix of this family's `--model-kind` names ("" for the two-branch CNN).
    var prefix: String {
        switch self {
        case .twoBranch: return ""
        case .crossState: return "csf"
        case .patchFree: return "freenet"
        }
    }

    /// Every accepted `--model-kind`.
    public static var modelKinds: [String] { allCases.flatMap { f in FusionModelKind.allCases.map { f.modelKind($0) } } }

    /// The `--model-kind` naming this family with `kind`'s modalities.
    public func modelKind(_ kind: FusionModelKind) -> String {
        switch (self, kind) {
        case (.twoBranch, _): return kind.rawValue
        case (_, .fusion): return prefix
        default: return "\(prefix)-\(kind.rawValue)"
        }
    }

    public static func parse(modelKind text: String) throws -> (FusionFamily, FusionModelKind) {
        for f in allCases { for k in FusionModelKind.allCases where f.modelKind(k) == text { return (f, k) } }
        throw ReticleError(.usage, "--model-kind must be one of \(modelKinds.joined(separator: ", ")), got \"\(text)\"")
    }

    /// Registers every family's architecture once.
    public static let registerAll: Void = {
        _ = FusionArchitecture.register
        _ = CrossStateArchitecture.register
        _ = PatchFreeArchitecture.register
    }()

    /// The model recipe of this family. `state` is the scan's state size (cross-state only).
    public func spec(kind: FusionModelKind, hsiBands: Int, lidarBands: Int, width: Int, state: Int, classes: [String]) -> ModelSpec {
        switch self {
        case .twoBranch: return FusionArchitecture.spec(kind: kind, hsiBands: hsiBands, lidarBands: lidarBands, width: width, classes: classes)
        case .crossState: return CrossStateArchitecture.spec(kind: kind, hsiBands: hsiBands, lidarBands: lidarBands, width: width,
                                                             state: state, classes: classes)
        case .patchFree: return PatchFreeArchitecture.spec(kind: kind, hsiBands: hsiBands, lidarBands: lidarBands, width: width, classes: classes)
        }
    }
}
