// The architecture spec: what a model file stores instead of code. A spec
// names the backbone, the input channel count and one or more output heads.

/// One output head: a categorical, binary or ordinal (CORAL) classifier over `classes`.
public struct HeadSpec: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable {
        /// Softmax over the classes; trained with cross-entropy.
        case categorical
        /// One logit (the second class's); trained with binary cross-entropy.
        case binary
        /// Ordered classes (Cao et al., CORAL 2020): one shared weight vector and K−1 thresholds,
        /// logit k says "class > k"; trained with the CORAL loss.
        case ordinal
    }

    public var name: String
    public var kind: Kind
    public var classes: [String]

    public init(name: String, kind: Kind = .categorical, classes: [String]) {
        precondition(classes.count >= 2, "head \(name) needs at least two classes")
        self.name = name; self.kind = kind; self.classes = classes
    }

    /// Logits this head emits: K, 1 (binary) or K−1 (ordinal).
    public var outputCount: Int {
        switch kind {
        case .categorical: return classes.count
        case .binary: return 1
        case .ordinal: return classes.count - 1
        }
    }
}

/// A network architecture; `Network(spec:seed:)` builds it.
public struct ModelSpec: Codable, Equatable, Sendable {
    public enum Architecture: String, Codable, Sendable, CaseIterable {
        case compactCNN = "compact-cnn"
        case resnet18, resnet34, resnet50
        case mobilenetV2 = "mobilenet-v2"
        case vgg11, vgg16
    }

    public var architecture: Architecture
    /// 1 for micrographs and radiographs, 3 for RGB, many for hyperspectral cubes.
    public var inputChannels: Int
    public var heads: [HeadSpec]
    /// Scales every channel count (1 = the published network); reduced widths serve tests and parity fixtures.
    public var widthMultiplier: Double
    /// Stage widths of the compact CNN (ignored by the other architectures).
    public var compactWidths: [Int]
    /// Dropout before the heads (MobileNetV2's classifier.0, the compact CNN; VGG keeps its own).
    public var dropout: Float

    public init(architecture: Architecture, inputChannels: Int = 3, heads: [HeadSpec], widthMultiplier: Double = 1,
                compactWidths: [Int] = [16, 32, 64], dropout: Float = 0) {
        precondition(inputChannels >= 1 && !heads.isEmpty && widthMultiplier > 0, "invalid model spec")
        precondition(Set(heads.map(\.name)).count == heads.count, "head names must be unique")
        self.architecture = architecture; self.inputChannels = inputChannels; self.heads = heads
        self.widthMultiplier = widthMultiplier; self.compactWidths = compactWidths; self.dropout = dropout
    }

    /// A single categorical head with `classes` numbered class names (convenient for tests and benchmarks).
    public static func classifier(_ architecture: Architecture, inputChannels: Int = 3, classes: Int,
                                  widthMultiplier: Double = 1) -> ModelSpec {
        ModelSpec(architecture: architecture, inputChannels: inputChannels,
                  heads: [HeadSpec(name: "class", classes: (0..<classes).map { "class\($0)" })],
                  widthMultiplier: widthMultiplier)
    }

    /// Checks a spec that came from a file (decoding skips the initialisers' preconditions), so a hostile
    /// manifest cannot make `Network(spec:)` trap or allocate without bound.
    public func validate() throws {
        func bad(_ reason: String) -> ReticleError { ReticleError(.corrupt, "model spec: \(reason)") }
        guard (1...4096).contains(inputChannels) else { throw bad("input channel count \(inputChannels) is outside 1...4096") }
        guard widthMultiplier.isFinite, widthMultiplier > 0, widthMultiplier <= 4 else { throw bad("width multiplier \(widthMultiplier) is outside (0, 4]") }
        guard !compactWidths.isEmpty, compactWidths.count <= 16, compactWidths.allSatisfy({ (1...4096).contains($0) }) else {
            throw bad("compact widths \(compactWidths) must be 1 to 16 stages of 1...4096 channels")
        }
        guard dropout.isFinite, dropout >= 0, dropout < 1 else { throw bad("dropout \(dropout) is outside [0, 1)") }
        guard (1...64).contains(heads.count), Set(heads.map(\.name)).count == heads.count else { throw bad("needs 1 to 64 uniquely named heads") }
        for h in heads where !(2...100_000).contains(h.classes.count) {
            throw bad("head \(h.name) has \(h.classes.count) classes (2...100000 allowed)")
        }
    }

    /// Scales a channel count, keeping it a positive multiple of `divisor`.
    func scaled(_ channels: Int, divisor: Int = 1) -> Int {
        makeDivisible(Double(channels) * widthMultiplier, divisor: divisor)
    }
}

/// torchvision's `_make_divisible`: round to the nearest multiple of `divisor`, never more than 10% down.
func makeDivisible(_ value: Double, divisor: Int) -> Int {
    var v = max(divisor, Int(value + Double(divisor) / 2) / divisor * divisor)
    if Double(v) < 0.9 * value { v += divisor }
    return v
}
