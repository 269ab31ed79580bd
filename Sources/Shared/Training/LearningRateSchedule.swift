// Learning-rate schedules: constant, step decay, cosine annealing and
// polynomial decay, each with an optional linear warm-up. Codable, so a
// training protocol can name one.

import Foundation

/// The learning rate as a function of the optimiser step (0-based).
public struct LearningRateSchedule: Codable, Equatable, Sendable {
    public enum Kind: Codable, Equatable, Sendable {
        case constant
        /// Multiply by `gamma` every `every` steps (`StepLR`).
        case step(every: Int, gamma: Float)
        /// Half a cosine from the base rate down to `minimum` over `total` steps (`CosineAnnealingLR`).
        case cosine(total: Int, minimum: Float)
        /// base · (1 − t/total)^power (`PolynomialLR`).
        case poly(total: Int, power: Float)
    }

    public var base: Float
    public var kind: Kind
    /// Steps of linear warm-up from base/warmupSteps to base; the decay starts after them.
    public var warmupSteps: Int

    public init(base: Float, _ kind: Kind = .constant, warmupSteps: Int = 0) {
        precondition(base > 0 && warmupSteps >= 0, "invalid schedule")
        self.base = base; self.kind = kind; self.warmupSteps = warmupSteps
    }

    public func rate(at step: Int) -> Float {
        if step < warmupSteps { return base * Float(step + 1) / Float(warmupSteps) }
        let t = step - warmupSteps
        switch kind {
        case .constant:
            return base
        case .step(let every, let gamma):
            return base * Foundation.pow(gamma, Float(t / max(every, 1)))
        case .cosine(let total, let minimum):
            let progress = Float(min(t, total)) / Float(max(total, 1))
            return minimum + (base - minimum) * (1 + Foundation.cos(.pi * progress)) / 2
        case .poly(let total, let power):
            return base * Foundation.pow(1 - Float(min(t, total)) / Float(max(total, 1)), power)
        }
    }
}
