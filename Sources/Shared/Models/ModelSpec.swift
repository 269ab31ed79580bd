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

/// A network recipe: a registered architecture (`ArchitectureRegistry`) and its settings; `Network(spec:seed:)`
/// builds its graph. The built-in architectures read the typed fields; an architecture registered elsewhere may
/// read its own settings from `options`.
public struct ModelSpec: Codable, Equatable, Sendable {
    /// An architecture's registered name ("resnet18", "compact-cnn", ...). Stored as the bare string, as
    /// manifests of format 1 wrote it.
    public struct Architecture: RawRepresentable, Codable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(_ name: String) { rawValue = name }
        public init(stringLiteral value: String) { rawValue = value }
        public init(from decoder: Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
        public func encode(to encoder: Encoder) throws { var c = encoder.singleValueContainer(); try c.encode(rawValue) }
        public var description: String { rawValue }

        public static let compactCNN: Architecture = "compact-cnn"
        public static let resnet18: Architecture = "resnet18"
        public static let resnet34: Architecture = "resnet34"
        public static let resnet50: Architecture = "resnet50"
        public static let mobilenetV2: Architecture = "mobilenet-v2"
        public static let vgg11: Architecture = "vgg11"
        public static let vgg16: Architecture = "vgg16"
        /// A network given only as a graph (no registered recipe).
        public static let graph: Architecture = "graph"

        /// Every registered architecture, sorted.
        public static var allCases: [Architecture] { ArchitectureRegistry.names.map { Architecture(rawValue: $0) } }
    }

    public var architecture: Architecture
    /// 1 for micrographs and radiographs, 3 for RGB, many for hyperspectral cubes (the first input's channels).
    public var inputChannels: Int
    public var heads: [HeadSpec]
    /// Scales every channel count (1 = the published network); reduced widths serve tests and parity fixtures.
    public var widthMultiplier: Double
    /// Stage widths of the compact CNN (ignored by the other architectures).
    public var compactWidths: [Int]
    /// Dropout before the heads (MobileNetV2's classifier.0, the compact CNN; VGG keeps its own).
    public var dropout: Float
    /// Weighted convolution (compact CNN): each k×k kernel is multiplied by the fixed density profile ⊗ itself over
    /// its neighbourhood (length k, centre usually 1); nil for plain convolutions.
    public var convolutionDensity: [Double]?
    /// Spatial pyramid pooling levels (compact CNN) in place of global average pooling; nil for global average pooling.
    public var spatialPyramidLevels: [Int]?
    /// Settings of architectures registered outside Shared.
    public var options: JSONObject

    public init(architecture: Architecture, inputChannels: Int = 3, heads: [HeadSpec], widthMultiplier: Double = 1,
                compactWidths: [Int] = [16, 32, 64], dropout: Float = 0, convolutionDensity: [Double]? = nil,
                spatialPyramidLevels: [Int]? = nil, options: JSONObject = [:]) {
        precondition(inputChannels >= 1 && !heads.isEmpty && widthMultiplier > 0, "invalid model spec")
        precondition(Set(heads.map(\.name)).count == heads.count, "head names must be unique")
        self.architecture = architecture; self.inputChannels = inputChannels; self.heads = heads
        self.widthMultiplier = widthMultiplier; self.compactWidths = compactWidths; self.dropout = dropout
        self.convolutionDensity = convolutionDensity; self.spatialPyramidLevels = spatialPyramidLevels; self.options = options
    }

    /// The description of a graph built without a recipe.
    public init(graph: ModelGraph) {
        self.init(architecture: .graph, inputChannels: graph.inputs.first?.channels ?? 1, heads: graph.heads.map(\.spec))
    }

    private enum CodingKeys: String, CodingKey {
        case architecture, inputChannels, heads, widthMultiplier, compactWidths, dropout, convolutionDensity, spatialPyramidLevels, options
    }

    /// Fields added after format 1 are optional, so older manifests decode unchanged.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        architecture = try c.decode(Architecture.self, forKey: .architecture)
        inputChannels = try c.decode(Int.self, forKey: .inputChannels)
        heads = try c.decode([HeadSpec].self, forKey: .heads)
        widthMultiplier = try c.decodeIfPresent(Double.self, forKey: .widthMultiplier) ?? 1
        compactWidths = try c.decodeIfPresent([Int].self, forKey: .compactWidths) ?? [16, 32, 64]
        dropout = try c.decodeIfPresent(Float.self, forKey: .dropout) ?? 0
        convolutionDensity = try c.decodeIfPresent([Double].self, forKey: .convolutionDensity)
        spatialPyramidLevels = try c.decodeIfPresent([Int].self, forKey: .spatialPyramidLevels)
        options = try c.decodeIfPresent(JSONObject.self, forKey: .options) ?? [:]
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(architecture, forKey: .architecture)
        try c.encode(inputChannels, forKey: .inputChannels)
        try c.encode(heads, forKey: .heads)
        try c.encode(widthMultiplier, forKey: .widthMultiplier)
        try c.encode(compactWidths, forKey: .compactWidths)
        try c.encode(dropout, forKey: .dropout)
        try c.encodeIfPresent(convolutionDensity, forKey: .convolutionDensity)
        try c.encodeIfPresent(spatialPyramidLevels, forKey: .spatialPyramidLevels)
        if !options.isEmpty { try c.encode(options, forKey: .options) }
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
        if let d = convolutionDensity, !(d.count == 3 && d.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 10 }) {
            throw bad("convolution density \(d) must be 3 values in [0, 10] (a 3×3 window)")
        }
        if let l = spatialPyramidLevels, !(1...8).contains(l.count) || !l.allSatisfy({ (1...16).contains($0) }) {
            throw bad("spatial pyramid levels \(l) must be 1 to 8 levels of 1...16")
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

extension ModelSpec {
    /// Stage widths from a `--widths` flag ("16,32,64"): every command that trains a compact CNN reads them
    /// the same way. Widths above 2048 are refused before anything is allocated.
    /// - Throws: `ReticleError(.usage)` naming the text when a part is not an integer in 1…2048.
    public static func stageWidths(parsing text: String) throws -> [Int] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        let w = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !w.isEmpty, w.count == parts.count, w.allSatisfy({ (1...2048).contains($0) }) else {
            throw ReticleError(.usage, "--widths must be integers in 1…2048 separated by commas, got \"\(text)\"")
        }
        return w
    }
}
