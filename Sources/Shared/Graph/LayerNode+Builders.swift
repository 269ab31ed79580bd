// Shorthands for writing architectures as graphs (the built-in ones and any registered
// elsewhere): the common nodes with PyTorch's attribute names.

extension LayerNode {
    /// A 2-D convolution; `kaiming` re-draws the weight He-normal (fan-out), torchvision's choice for ResNet,
    /// MobileNetV2 and VGG. `density` (k×k values) makes it a weighted convolution.
    public static func conv2d(_ name: String, out: Int, kernel: Int, stride: Int = 1, padding: Int = 0, groups: Int = 1,
                              bias: Bool = true, kaiming: Bool = false, density: [Double]? = nil, inputs: [String] = []) -> LayerNode {
        var a: JSONObject = ["out_channels": .int(out), "kernel_size": .int(kernel)]
        if stride != 1 { a["stride"] = .int(stride) }
        if padding != 0 { a["padding"] = .int(padding) }
        if groups != 1 { a["groups"] = .int(groups) }
        if !bias { a["bias"] = false }
        if kaiming { a["init"] = "kaiming" }
        if let density { a["density"] = .array(density.map { .number($0) }) }
        return LayerNode(name, "conv2d", inputs: inputs, a)
    }

    public static func batchNorm(_ name: String) -> LayerNode { LayerNode(name, "batchnorm2d") }
    public static func linear(_ name: String, out: Int, inputs: [String] = []) -> LayerNode {
        LayerNode(name, "linear", inputs: inputs, ["out_features": .int(out)])
    }
    /// A parameter-free layer of kind `op` ("relu", "global_avgpool", "flatten", ...).
    public static func plain(_ name: String, _ op: String, inputs: [String] = []) -> LayerNode { LayerNode(name, op, inputs: inputs) }
    public static func maxPool(_ name: String, kernel: Int, stride: Int? = nil, padding: Int = 0) -> LayerNode {
        var a: JSONObject = ["kernel_size": .int(kernel)]
        if let stride { a["stride"] = .int(stride) }
        if padding != 0 { a["padding"] = .int(padding) }
        return LayerNode(name, "maxpool2d", a)
    }
    public static func dropout(_ name: String, _ p: Float) -> LayerNode { LayerNode(name, "dropout", ["p": .number(Double(p))]) }
    public static func sequential(_ name: String, _ children: [LayerNode]) -> LayerNode { LayerNode(name, "sequential", children: children) }
    /// act(body + shortcut): `children` are the body, plus the shortcut branch when `shortcut` names one of them.
    public static func residual(_ name: String, _ children: [LayerNode], shortcut: String? = nil, activation: String = "identity") -> LayerNode {
        var a: JSONObject = ["activation": .string(activation)]
        if let shortcut { a["shortcut"] = .string(shortcut) }
        return LayerNode(name, "residual", a, children: children)
    }
}
