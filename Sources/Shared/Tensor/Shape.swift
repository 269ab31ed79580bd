// Shape arithmetic shared by the ops: broadcasting (NumPy rules) and strides.

/// Row-major strides of a shape.
public func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var s = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
        strides[i] = s
        s *= shape[i]
    }
    return strides
}

/// The broadcast shape of `a` and `b` (dimensions aligned from the right; 1 stretches).
public func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int] {
    let n = max(a.count, b.count)
    var out = [Int](repeating: 1, count: n)
    for i in 0..<n {
        let da = i < n - a.count ? 1 : a[i - (n - a.count)]
        let db = i < n - b.count ? 1 : b[i - (n - b.count)]
        precondition(da == db || da == 1 || db == 1, "shapes \(a) and \(b) do not broadcast")
        out[i] = da == 1 ? db : da
    }
    return out
}

/// Strides for reading a tensor of `shape` as if it had `target` shape: 0 along broadcast axes.
func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
    let own = contiguousStrides(shape)
    let offset = target.count - shape.count
    return (0..<target.count).map { i in
        i < offset || shape[i - offset] == 1 ? 0 : own[i - offset]
    }
}
