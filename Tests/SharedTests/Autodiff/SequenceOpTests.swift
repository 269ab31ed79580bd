// The selective scan, row gathering and per-pixel rows: forward values worked out by hand,
// gradients against finite differences, and the graph layer built from a manifest node.

import XCTest
import Shared
import TestSupport

final class SequenceOpTests: XCTestCase {
    func testScanOrdersVisitEveryPositionOnce() {
        XCTAssertEqual(ScanOrder.rows.positions(height: 2, width: 3), [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(ScanOrder.rowsReversed.positions(height: 2, width: 3), [5, 4, 3, 2, 1, 0])
        XCTAssertEqual(ScanOrder.columns.positions(height: 2, width: 3), [0, 3, 1, 4, 2, 5])
        XCTAssertEqual(ScanOrder.columnsReversed.positions(height: 2, width: 3), [5, 2, 4, 1, 3, 0])
    }

    /// One channel, state 1, two positions: Δ = softplus(0) = ln 2, A = −1 so each step keeps half the
    /// state; forward h = (ln2, ½·ln2 + ln2·½·2), backward h = (ln2·½·2 at x₁, then ½·ln2 + ln2 at x₀).
    func testScanMatchesTheRecurrenceByHand() {
        let x = Tensor(shape: [1, 1, 1, 2], scalars: [1, 2]), dt = Tensor(shape: [1, 1, 1, 2], scalars: [0, 0])
        let b = Tensor(shape: [1, 1, 1, 2], scalars: [1, 0.5]), c = Tensor(shape: [1, 1, 1, 2], scalars: [2, 1])
        let aLog = Tensor(shape: [1, 1], scalars: [0]), d = Tensor(shape: [1], scalars: [0.5])
        let ln2 = Float(M_LN2)
        let forward = Variable.selectiveScan(x: Variable(x), dt: Variable(dt), b: Variable(b), c: Variable(c), aLog: Variable(aLog),
                                             d: Variable(d), orders: [.rows]).value.scalars
        assertClose(forward, [0.5 + 2 * ln2, 1 + (0.5 * ln2 + ln2)], rtol: 1e-5)
        let both = Variable.selectiveScan(x: Variable(x), dt: Variable(dt), b: Variable(b), c: Variable(c), aLog: Variable(aLog),
                                          d: Variable(d), orders: [.rows, .rowsReversed]).value.scalars
        let reverse = [2 * (0.5 * ln2 + ln2), ln2]
        assertClose(both, [0.5 + (2 * ln2 + reverse[0]) / 2, 1 + (1.5 * ln2 + reverse[1]) / 2], rtol: 1e-5)
    }

    func testScanGradientsMatchFiniteDifferences() {
        let x = distinctTensor([2, 3, 3, 3], seed: 11), dt = distinctTensor([2, 3, 3, 3], seed: 12)
        let b = distinctTensor([2, 2, 3, 3], seed: 13), c = distinctTensor([2, 2, 3, 3], seed: 14)
        let aLog = distinctTensor([3, 2], seed: 15, scale: 0.5), d = distinctTensor([3], seed: 16)
        checkGradients([x, dt, b, c, aLog, d], epsilon: 1e-2, rtol: 3e-2, atol: 3e-3, samples: 30, "selectiveScan") {
            Variable.selectiveScan(x: $0[0], dt: $0[1], b: $0[2], c: $0[3], aLog: $0[4], d: $0[5])
        }
        // A non-square map, so row and column orders differ.
        let x2 = distinctTensor([1, 2, 2, 4], seed: 21), dt2 = distinctTensor([1, 2, 2, 4], seed: 22)
        let b2 = distinctTensor([1, 3, 2, 4], seed: 23), c2 = distinctTensor([1, 3, 2, 4], seed: 24)
        checkGradients([x2, dt2, b2, c2, distinctTensor([2, 3], seed: 25), distinctTensor([2], seed: 26)], samples: 30, "scan 2×4") {
            Variable.selectiveScan(x: $0[0], dt: $0[1], b: $0[2], c: $0[3], aLog: $0[4], d: $0[5], orders: [.columns, .rowsReversed])
        }
    }

    func testGatherRowsAndPixelRows() {
        let m = distinctTensor([5, 3], seed: 31)
        let picked = Variable(m).gatherRows([4, 0, 4]).value
        XCTAssertEqual(picked.shape, [3, 3])
        XCTAssertEqual(Array(picked.scalars[0..<3]), Array(m.scalars[12..<15]))
        XCTAssertEqual(Array(picked.scalars[3..<6]), Array(m.scalars[0..<3]))
        checkGradients([m], "gatherRows") { $0[0].gatherRows([4, 0, 4, 2]) }

        let map = Tensor(shape: [1, 2, 2, 2], scalars: [1, 2, 3, 4, 10, 20, 30, 40])
        let rows = PixelRows()(map)
        XCTAssertEqual(rows.shape, [4, 2])
        XCTAssertEqual(rows.scalars, [1, 10, 2, 20, 3, 30, 4, 40])
        checkGradients([distinctTensor([2, 3, 2, 3], seed: 32)], "pixelRows") { PixelRows().forward($0[0], ForwardContext()) }
    }

    func testSelectiveScanLayerFromAGraph() throws {
        let graph = ModelGraph(
            inputs: [GraphInput("a", channels: 3), GraphInput("b", channels: 2)],
            nodes: [.conv2d("dt", out: 3, kernel: 1, inputs: ["b"]), .conv2d("bproj", out: 4, kernel: 1, inputs: ["b"]),
                    .conv2d("cproj", out: 4, kernel: 1, inputs: ["b"]),
                    LayerNode("scan", "selective_scan", inputs: ["a", "dt", "bproj", "cproj"], ["orders": .array(["rows", "columns"])]),
                    .plain("pool", "global_avgpool")],
            heads: [GraphHead(HeadSpec(name: "y", classes: ["p", "q"]), input: "pool", parameterName: "fc")])
        let net = try Network(graph: graph, seed: 1)
        let names = net.namedParameters.map(\.name)
        XCTAssertTrue(names.contains("scan.A_log") && names.contains("scan.D"), "\(names)")
        let aLog = try XCTUnwrap(net.namedParameters.first { $0.name == "scan.A_log" }).parameter.value
        XCTAssertEqual(aLog.shape, [3, 4])
        assertClose(Array(aLog.scalars[0..<4]), [0, Float(M_LN2), log(3), log(4)], rtol: 1e-6)
        let out = net([distinctTensor([2, 3, 4, 5], seed: 2), distinctTensor([2, 2, 4, 5], seed: 3)])
        XCTAssertEqual(out.shape, [2, 2])
        XCTAssertTrue(out.scalars.allSatisfy(\.isFinite))

        var bad = graph
        bad.nodes[3] = LayerNode("scan", "selective_scan", inputs: ["a", "bproj", "bproj", "cproj"])
        XCTAssertThrowsError(try Network(graph: bad)) { XCTAssertTrue("\($0)".contains("dt must have"), "\($0)") }
        bad.nodes[3] = LayerNode("scan", "selective_scan", inputs: ["a", "dt", "bproj", "cproj"], ["orders": .array(["diagonal"])])
        XCTAssertThrowsError(try Network(graph: bad)) { XCTAssertTrue("\($0)".contains("unknown scan order"), "\($0)") }
    }
}
