// Geometry and encoding of a DICOM file's pixel data (the image pixel module), checked by dcmtk's shim.

public struct DicomImageInfo: Equatable, Sendable {
    public let rows: Int
    public let columns: Int
    public let frames: Int
    public let samplesPerPixel: Int
    public let bitsAllocated: Int
    public let bitsStored: Int
    public let highBit: Int
    /// 0 unsigned, 1 two's complement.
    public let pixelRepresentation: Int
    public let planarConfiguration: Int
    /// PhotometricInterpretation, e.g. "MONOCHROME2", "RGB", "YBR_FULL_422", "PALETTE COLOR".
    public let photometric: String
    /// MONOCHROME1 or MONOCHROME2: frames decode to modality values; otherwise to RGB.
    public let isMonochrome: Bool
    /// Smallest and largest value the modality LUT can produce from any storable value
    /// (monochrome only): the range MONOCHROME1 inversion reflects within.
    public let modalityRange: ClosedRange<Double>

    public init(rows: Int, columns: Int, frames: Int, samplesPerPixel: Int, bitsAllocated: Int, bitsStored: Int,
                highBit: Int, pixelRepresentation: Int, planarConfiguration: Int, photometric: String,
                isMonochrome: Bool, modalityRange: ClosedRange<Double>) {
        self.rows = rows
        self.columns = columns
        self.frames = frames
        self.samplesPerPixel = samplesPerPixel
        self.bitsAllocated = bitsAllocated
        self.bitsStored = bitsStored
        self.highBit = highBit
        self.pixelRepresentation = pixelRepresentation
        self.planarConfiguration = planarConfiguration
        self.photometric = photometric
        self.isMonochrome = isMonochrome
        self.modalityRange = modalityRange
    }

    /// MONOCHROME1: the lowest value is displayed white.
    public var isMonochrome1: Bool { photometric == "MONOCHROME1" }

    /// Bits per sample of decoded colour frames: 8, or 16 when more than 8 bits are stored.
    public var colorOutputBits: Int { bitsStored > 8 ? 16 : 8 }
}
