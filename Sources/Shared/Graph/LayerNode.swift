// One named layer of a model graph: an op (a kind registered in LayerRegistry),
// its attributes, the nodes it reads and, for containers, its children. The
// name is the PyTorch module path, so a parameter is stored as "<name>.<param>"
// and torchvision weights map one to one.

/// A layer of a `ModelGraph`. Containers (`sequential`, `residual`) hold their layers in `children`, named
/// relative to the container ("conv1", "0"); top-level nodes name their inputs (graph inputs or earlier nodes).
public struct LayerNode: Codable, Equatable, Sendable {
    public var name: String
    /// The registered kind: "conv2d", "batchnorm2d", "relu", "sequential", "residual", "concat", ...
    public var op: String
    /// Names of the graph inputs or earlier top-level nodes this node reads; empty means the previous node
    /// (the first graph input for the first node). Children of a container never name inputs.
    public var inputs: [String]
    public var attributes: JSONObject
    public var children: [LayerNode]

    public init(_ name: String, _ op: String, inputs: [String] = [], _ attributes: JSONObject = [:], children: [LayerNode] = []) {
        self.name = name; self.op = op; self.inputs = inputs; self.children = children
        // Sorted, as decoding gives them, so a graph equals itself after a trip through a file.
        self.attributes = JSONObject()
        for (k, v) in attributes.sorted(by: { $0.key < $1.key }) { self.attributes[k] = v }
    }

    private enum CodingKeys: String, CodingKey { case name, op, inputs, attributes, children }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        op = try c.decode(String.self, forKey: .op)
        inputs = try c.decodeIfPresent([String].self, forKey: .inputs) ?? []
        attributes = try c.decodeIfPresent(JSONObject.self, forKey: .attributes) ?? [:]
        children = try c.decodeIfPresent([LayerNode].self, forKey: .children) ?? []
    }

    /// Empty fields are left out, so a manifest stays readable.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(op, forKey: .op)
        if !inputs.isEmpty { try c.encode(inputs, forKey: .inputs) }
        if !attributes.isEmpty { try c.encode(attributes, forKey: .attributes) }
        if !children.isEmpty { try c.encode(children, forKey: .children) }
    }

    // MARK: Attributes, checked: a manifest comes from a file and must not trap or allocate without bound.

    func invalid(_ reason: String) -> ReticleError { ReticleError(.corrupt, "model graph: layer \"\(name)\" (\(op)): \(reason)") }

    /// An integer attribute within `range`; `fallback` when absent (nil fallback: required).
    public func int(_ key: String, _ fallback: Int? = nil, in range: ClosedRange<Int> = 0...65_536) throws -> Int {
        guard let raw = attributes[key] else {
            guard let fallback else { throw invalid("needs the attribute \"\(key)\"") }
            return fallback
        }
        guard let v = raw.intValue, range.contains(v) else { throw invalid("\"\(key)\" must be an integer in \(range), got \(raw.serialized())") }
        return v
    }

    /// A finite number attribute within `range`.
    public func number(_ key: String, _ fallback: Double? = nil, in range: ClosedRange<Double> = -1e6...1e6) throws -> Double {
        guard let raw = attributes[key] else {
            guard let fallback else { throw invalid("needs the attribute \"\(key)\"") }
            return fallback
        }
        guard let v = raw.doubleValue, v.isFinite, range.contains(v) else { throw invalid("\"\(key)\" must be a number in \(range), got \(raw.serialized())") }
        return v
    }

    public func bool(_ key: String, _ fallback: Bool) throws -> Bool {
        guard let raw = attributes[key] else { return fallback }
        guard let v = raw.boolValue else { throw invalid("\"\(key)\" must be true or false, got \(raw.serialized())") }
        return v
    }

    public func string(_ key: String, _ fallback: String? = nil) throws -> String {
        guard let raw = attributes[key] else {
            guard let fallback else { throw invalid("needs the attribute \"\(key)\"") }
            return fallback
        }
        guard let v = raw.stringValue else { throw invalid("\"\(key)\" must be a string, got \(raw.serialized())") }
        return v
    }

    /// A list of numbers (at most `maxCount`), each within `range`.
    public func numbers(_ key: String, maxCount: Int = 4096, in range: ClosedRange<Double> = -1e6...1e6) throws -> [Double]? {
        guard let raw = attributes[key] else { return nil }
        guard let a = raw.arrayValue, a.count <= maxCount else { throw invalid("\"\(key)\" must be a list of at most \(maxCount) numbers") }
        return try a.map {
            guard let v = $0.doubleValue, v.isFinite, range.contains(v) else { throw invalid("\"\(key)\" holds \($0.serialized()), not a number in \(range)") }
            return v
        }
    }
}
