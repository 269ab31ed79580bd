// The one way a command reads an input image: the contributed decoders first (most specific
// first), then PNG / JPEG / TIFF / BMP through `ImageFile`. Every micro command and the steel
// trainer read through one value of this type, so a format one of them reads, all of them read,
// with the same calibration provenance.

import Foundation

public struct ImageReader: Sendable {
    public let decoders: [any ImageDecoder]

    public init(_ decoders: [any ImageDecoder] = []) { self.decoders = decoders }

    /// PNG, JPEG, TIFF and BMP only: what a library caller gets without the CLI's plug-ins.
    public static let rasters = ImageReader()

    /// Whether a folder scan takes `path`: a raster extension or one a decoder names.
    public func accepts(path: String) -> Bool {
        let ext = (path as NSString).pathExtension.lowercased()
        return ImageFormat(pathExtension: ext) != nil || decoders.contains { $0.extensions.contains(ext) }
    }

    /// The image in `path` (page 0 of a TIFF); errors name the file.
    public func read(path: String) throws -> Image {
        if !decoders.isEmpty {
            let header = try FileHeader.read(path: path, count: InspectorRegistry.headerLength)
            if let decoder = decoders.first(where: { $0.recognizes(path: path, header: header) }) {
                do {
                    return try decoder.read(path: path)
                } catch let e as ReticleError {
                    throw e.naming(path)
                }
            }
        }
        return try ImageFile.read(path: path)
    }
}
