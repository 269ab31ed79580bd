// Settings of AUC-margin training with PESG (LibAUC's defaults), as one Codable value the Trainer
// config carries: with it set, the Trainer optimises the single binary head with `AUCMarginLoss`
// and `PESG` instead of the configured loss and optimiser.

public struct AUCMarginConfig: Codable, Equatable, Sendable {
    /// The margin m of the squared-hinge surrogate.
    public var margin: Float = 1
    /// λ₀, the epoch-level pull towards the reference point.
    public var epochDecay: Float = 2e-3
    /// Gradients are clamped to ±clipValue before the update.
    public var clipValue: Float = 1
    /// Epochs (0-based) at whose start a new stage begins: the rate is divided by `decayFactor` and the
    /// reference point moves to the mean of the last stage's iterates.
    public var stageEpochs: [Int] = []
    public var decayFactor: Float = 10
    /// The positive fraction p of the loss (LibAUC's `imratio`); nil takes each batch's own.
    public var imratio: Double?
    public init() {}

    /// LibAUC's schedule: stages at half and three quarters of the epochs.
    public static func staged(epochs: Int) -> AUCMarginConfig {
        var c = AUCMarginConfig()
        c.stageEpochs = [epochs / 2, epochs * 3 / 4].filter { $0 > 0 && $0 < epochs }
        return c
    }
}
