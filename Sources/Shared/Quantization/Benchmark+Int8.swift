// The int8 rows of `reticle bench`: ResNet-18 quantised (calibrated on random
// inputs: the weights are random too, only the speed is measured) at 224 px.

import Foundation

extension Benchmark {
    /// Forward images per second of the int8 network; `gflops` counts the fp32 network's multiply-adds (as GOP/s).
    public static func int8ForwardThroughput(spec: ModelSpec, batch: Int, size: Int, iterations: Int = 5) throws -> Result {
        let net = try Network(spec: spec, seed: 1)
        var rng = SplitMix64(seed: 2)
        let x = Tensor.uniform([batch, spec.inputChannels, size, size], using: &rng)
        let calibration = [Tensor.uniform([2, spec.inputChannels, size, size], low: -2, high: 2, using: &rng)]
        let model = try QuantizedModel.quantize(net, calibration: calibration, calibrator: .minmax).network
        let flops = 2 * Double(Convolution.countingMultiplyAdds { _ = net.folded()(x) })
        _ = model(x)
        return timedForward(name: "\(spec.architecture.rawValue) int8 forward \(size)px", batch: batch, flops: flops,
                            iterations: iterations) { _ = model(x) }
    }
}
