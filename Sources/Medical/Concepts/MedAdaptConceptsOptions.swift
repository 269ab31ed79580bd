// The options of `reticle med adapt-concepts MODEL SITE_DATA --out MODEL2`: how many labelled images
// per class of the new site the adaptation may look at, the seed that picks them, and the labels
// CSV of the site's folder. The thresholds of `ConceptAdaptation.Settings` are constants of the
// method and stay at their defaults here.

import Foundation
import Shared

public struct MedAdaptConceptsOptions: CommandOptions {
    public static let command = "med adapt-concepts"

    public var model = ""
    /// Labelled site images per class used to adapt; the rest of the site data measures before and after.
    public var shots = 4
    /// Seed of the choice of shots.
    public var seed: UInt64 = 1
    /// Labels CSV of the site's folder (without one, its sub-folders name the classes).
    public var labels: String?

    public init() {}

    public var modelFile: String? { model }
    public var referencedFiles: [String: String] { labels.map { ["labels": $0] } ?? [:] }

    public func validate() throws {
        guard !model.isEmpty else { throw ReticleError(.usage, "MODEL names a concept bottleneck model (med train --concepts)") }
        guard (1...1000).contains(shots) else { throw ReticleError(.usage, "--shots must be 1–1000 images per class") }
    }
}
