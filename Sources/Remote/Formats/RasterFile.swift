// Opens any raster the Remote commands take (ENVI, GeoTIFF, MATLAB v5) by what the file is,
// so --hsi, --lidar and --labels accept each of them.

import Foundation
import Shared

public enum RasterFile {
    /// Reads a cube: a GeoTIFF by its signature, an ENVI raster by its header, a .mat by its variable.
    public static func read(_ path: String) throws -> HyperspectralCube {
        let header = try FileHeader.read(path: path, count: 4096)
        if header.starts(with: [0x49, 0x49]) || header.starts(with: [0x4D, 0x4D]) { return try GeoTIFFReader.read(path) }
        if path.lowercased().hasSuffix(".hdr") || EnviHeader.headerPath(forData: path) != nil { return try EnviReader.read(path) }
        if header.starts(with: Array("MATLAB".utf8)) { return try MatFile(path: path).cube() }
        throw ReticleError(.unsupported, file: path, "not a GeoTIFF, an ENVI raster (no .hdr beside it) or a MATLAB v5 file")
    }
}
