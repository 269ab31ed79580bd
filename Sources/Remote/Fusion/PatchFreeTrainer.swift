// Trains a patch-free (FreeNet-style) model: every step runs the whole scene forward, draws a
// class-balanced set of training pixels (StratifiedPixelSampler) and takes the cross-entropy on
// those pixels alone; no other pixel, labelled or not, contributes to the loss. A step is the
// unit of work, so an "epoch" here is one whole-scene step.

import Foundation
import Shared

struct PatchFreeTrainer {
    let network: Network
    let scene: FusionScene
    var steps: Int
    var perClass: Int
    var learningRate: LearningRateSchedule
    var seed: UInt64

    func fit(pixels: [Int], labels: [Int], classes: Int, progress: ((Int, Float) -> Void)?) -> [EpochRecord] {
        let (inputs, paddedWidth) = PatchFreeArchitecture.inputs(scene)
        var sampler = StratifiedPixelSampler(pixels: pixels, labels: labels, classes: classes, perClass: perClass, seed: seed)
        let optimizer = AdamW(network.trainableParameters, learningRate: learningRate.base, weightDecay: 1e-4)
        var rng = SplitMix64(seed: seed ^ 0x5EED)
        var records: [EpochRecord] = []
        for step in 0..<steps {
            let start = Date()
            let (chosen, targets) = sampler.next()
            // Output rows are pixels of the padded grid.
            let rows = chosen.map { ($0 / scene.samples) * paddedWidth + $0 % scene.samples }
            optimizer.learningRate = learningRate.rate(at: step)
            let tape = Tape()
            let ctx = ForwardContext(tape: tape, training: true, seed: rng.next())
            let logits = network.forwardHeads(inputs.map { Variable($0) }, ctx)[0]
            let loss = Loss.crossEntropy(logits.gatherRows(rows), targets: targets)
            optimizer.zeroGradients()
            tape.backward(from: loss)
            optimizer.step()
            records.append(EpochRecord(epoch: step + 1, trainLoss: Double(loss.value.item), validationLoss: nil, validationAccuracy: [],
                                       learningRate: optimizer.learningRate, seconds: Date().timeIntervalSince(start)))
            progress?(step, loss.value.item)
        }
        return records
    }
}
