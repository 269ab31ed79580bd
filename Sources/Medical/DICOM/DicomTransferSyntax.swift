// How a DICOM file's dataset and pixel data are encoded, and whether Reticle can decode them.

public struct DicomTransferSyntax: Equatable, Sendable {
    /// The UID, e.g. "1.2.840.10008.1.2.4.50"; from the meta header, else as detected by dcmtk.
    public let uid: String
    /// dcmtk's name for it, e.g. "JPEG Baseline"; "unknown" for a UID dcmtk does not know.
    public let name: String
    /// True when pixel data in this syntax can be decoded (native, deflate, RLE, JPEG, JPEG-LS, and
    /// JPEG 2000 through OpenJPEG).
    public let decodable: Bool

    public init(uid: String, name: String, decodable: Bool) {
        self.uid = uid
        self.name = name
        self.decodable = decodable
    }

    /// True for syntaxes whose pixel data may differ from what was acquired (PS3.5 Table A-1 and
    /// its lossy codecs); decoded values from these compare with a tolerance, not exactly.
    public var isLossy: Bool { Self.lossyUIDs.contains(uid) }

    static let lossyUIDs: Set<String> = [
        "1.2.840.10008.1.2.4.50",  // JPEG Baseline
        "1.2.840.10008.1.2.4.51",  // JPEG Extended
        "1.2.840.10008.1.2.4.81",  // JPEG-LS near-lossless
        "1.2.840.10008.1.2.4.91",  // JPEG 2000 (lossless or lossy)
        "1.2.840.10008.1.2.4.93",  // JPIP-referenced JPEG 2000
        "1.2.840.10008.1.2.4.100", "1.2.840.10008.1.2.4.101", "1.2.840.10008.1.2.4.102",
        "1.2.840.10008.1.2.4.103", "1.2.840.10008.1.2.4.104", "1.2.840.10008.1.2.4.105",
        "1.2.840.10008.1.2.4.106",  // MPEG-2/MPEG-4/HEVC video
        "1.2.840.10008.1.2.4.110", "1.2.840.10008.1.2.4.112",  // JPEG XL lossy variants
    ]
}
