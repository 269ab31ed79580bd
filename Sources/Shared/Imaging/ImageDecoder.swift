// Image formats beyond the four rasters `ImageFile` knows, as plug-ins, the way inspectors are
// (`FileInspector`): a module that reads a kind of file (Medical: DICOM through dcmtk) contributes a
// decoder and the CLI lists them. Domain modules never import each other, so this is how a steel
// micrograph stored as DICOM reaches `micro grade` with its PixelSpacing as calibration.

import Foundation

public protocol ImageDecoder: Sendable {
    /// Short name of the format, for messages ("DICOM").
    var name: String { get }
    /// File name extensions (lower case, no dot) a folder scan takes as this format.
    var extensions: [String] { get }
    /// A cheap check from the path and the file's first bytes (up to 4 KiB).
    func recognizes(path: String, header: [UInt8]) -> Bool
    /// The image, with the file's own calibration when it has one. Integer samples keep their type;
    /// float samples are in 0…1, as `Image.floatPixels()` gives integer ones.
    func read(path: String) throws -> Image
}
