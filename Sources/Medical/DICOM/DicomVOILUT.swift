// A VOI LUT from the VOI LUT Sequence (0028,3010), PS3.3 C.11.2: a table from modality values to
// display values, used instead of a window when asked for.

public struct DicomVOILUT: Equatable, Sendable {
    /// The modality value mapped to the first entry (LUTDescriptor value 2).
    public let firstMapped: Int
    /// Bits per entry (LUTDescriptor value 3): entries run 0...2^bits − 1.
    public let bits: Int
    public let table: [UInt16]

    public init(firstMapped: Int, bits: Int, table: [UInt16]) {
        self.firstMapped = firstMapped
        self.bits = bits
        self.table = table
    }

    /// The display value in 0...1 of modality value `x`: values below the first mapped one take the
    /// first entry, values beyond the table the last (C.11.2.1.1).
    @inline(__always)
    public func apply(_ x: Double) -> Double {
        guard !table.isEmpty, !x.isNaN else { return 0 }
        // Clamped as a Double first: a huge modality value must not overflow the conversion to Int.
        let offset = (x - Double(firstMapped)).rounded(.down)
        let i = offset <= 0 ? 0 : offset >= Double(table.count - 1) ? table.count - 1 : Int(offset)
        let top = Double((1 << bits) - 1)
        return min(1, Double(table[i]) / top)
    }
}
