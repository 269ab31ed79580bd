// Cross-validation by specimen: every specimen is held out once (leave-one-specimen-out or
// k folds of whole specimens), each recipe is trained on the rest with the same patches and
// folds, and every held-out image is graded as `micro grade` would. Repeated per seed, so
// the spread between seeds is measured rather than guessed.

import Foundation
import Shared

public struct SpecimenCrossValidation {
    public var options: MicroEvaluateOptions
    public var calibration: MicrographCalibration
    /// Progress lines ("seed 1, fold 2/4: texture …") for a CLI to print.
    public var report: ((String) -> Void)?
    public var progress: ProgressReporter.Mode = .quiet
    /// How image files are read (the CLI adds DICOM).
    public var reader = ImageReader.rasters

    public init(options: MicroEvaluateOptions, calibration: MicrographCalibration = MicrographCalibration(),
                report: ((String) -> Void)? = nil) {
        self.options = options; self.calibration = calibration; self.report = report
    }

    /// Runs every recipe on every fold for every seed.
    /// - Throws: `.usage` for fewer than two specimens, else the first image that cannot be read (named).
    public func run(_ dataset: GradingDataset) throws -> CrossValidationResult {
        try options.validate()
        let specimens = Array(Set(dataset.micrographs.map(\.specimen))).sorted()
        guard specimens.count >= 2 else {
            throw ReticleError(.usage, file: dataset.source, "cross-validation by specimen needs at least two specimens, found \(specimens.count)")
        }
        let recipes = try options.recipes()
        let seeds = try options.seedList()
        let foldCount = options.folds == 0 ? specimens.count : min(options.folds, specimens.count)
        let bar = ProgressReporter(label: "evaluate", total: seeds.count * recipes.count * foldCount, mode: progress)
        var results = recipes.map { CrossValidationResult.Recipe(name: $0.name, outcomes: []) }
        for seed in seeds {
            let folds = Self.folds(dataset, count: foldCount, seed: seed)
            for (r, recipe) in recipes.enumerated() {
                var config = recipe.config
                config.seed = seed
                var trainer = GradingTrainer(config: config, calibration: calibration)
                trainer.reader = reader
                let prepared = try trainer.prepare(dataset)
                for (f, held) in folds.enumerated() {
                    let heldSet = Set(held)
                    let train = dataset.micrographs.indices.filter { !heldSet.contains($0) }
                    var split = DataSplit.stratified(labels: [0], validationFraction: 0, seed: 0)
                    split.train = train; split.validation = []; split.test = held
                    // Validation (best epoch, early stopping) from the training specimens only, when micro train would have one.
                    let trainSpecimens = Set(train.map { dataset.micrographs[$0].specimen }).count
                    if config.validationFraction > 0 && trainSpecimens >= config.minimumSpecimensForValidation {
                        let inner = DataSplit.stratified(labels: train.map { dataset.micrographs[$0].type },
                                                         groups: train.map { dataset.micrographs[$0].specimen },
                                                         validationFraction: config.validationFraction, seed: seed)
                        if !inner.train.isEmpty && !inner.validation.isEmpty {
                            split.train = inner.train.map { train[$0] }
                            split.validation = inner.validation.map { train[$0] }
                        }
                    }
                    let result = try trainer.train(dataset, prepared: prepared, split: split, log: nil)
                    let e = result.evaluation
                    for k in e.imageIndices.indices {
                        results[r].outcomes.append(.init(image: e.imageIndices[k], seed: seed, fold: f,
                                                         probabilities: e.typeProbabilities[k],
                                                         patchesRight: e.patchesRight[k], patchesTotal: e.patchesTotal[k]))
                    }
                    report?(String(format: "seed %llu, fold %d/%d (%d held-out images): %@ image accuracy %.1f %%", seed, f + 1, folds.count,
                                   held.count, recipe.name, 100 * e.type.accuracy))
                    bar.advance(note: "seed \(seed), fold \(f + 1)/\(folds.count), \(recipe.name)")
                }
            }
        }
        bar.finish()
        return CrossValidationResult(dataset: dataset, folds: foldCount, leaveOneOut: foldCount == specimens.count,
                                     seeds: seeds, recipes: results)
    }

    /// Image indices per fold: whole specimens, shuffled by `seed`, dealt in turn after sorting by majority type,
    /// so every fold gets a share of each type.
    static func folds(_ dataset: GradingDataset, count: Int, seed: UInt64) -> [[Int]] {
        var members: [String: [Int]] = [:]
        for (i, m) in dataset.micrographs.enumerated() { members[m.specimen, default: []].append(i) }
        var specimens = members.keys.sorted()
        var rng = SplitMix64(seed: seed)
        specimens.shuffle(using: &rng)
        func majority(_ s: String) -> Int { GradingDataset.majority(members[s]!.reduce(into: [Int](repeating: 0, count: dataset.typeClasses.count)) { $0[dataset.micrographs[$1].type] += 1 }) }
        let ordered = specimens.enumerated().sorted { (majority($0.element), $0.offset) < (majority($1.element), $1.offset) }.map(\.element)
        var folds = [[Int]](repeating: [], count: count)
        for (k, s) in ordered.enumerated() { folds[k % count] += members[s]! }
        return folds.map { $0.sorted() }.filter { !$0.isEmpty }
    }
}
