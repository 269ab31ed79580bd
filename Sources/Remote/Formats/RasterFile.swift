// Opens any raster the Remote commands take (ENVI, GeoTIFF, MATLAB v5) by what the file is,
// so --hsi, --lidar and --labels accept each of them.

import Foundation
import Shared

public enum RasterFile {
    /// Reads a cube: a GeoTIFF by its signature, an ENVI raster by its header, a .mat by its variable
    /// (`variable` names it, as MatFile.resolve reads it; only MAT-files have variables).
    public static func read(_ path: String, variable: String? = nil) throws -> HyperspectralCube {
        let header = try FileHeader.read(path: path, count: 4096)
        if header.starts(with: Array("MATLAB".utf8)) { return try MatFile(path: path).cube(variable: variable) }
        if let variable {
            throw ReticleError(.usage, file: path, "a variable (\"\(variable)\") can only be named for a MATLAB .mat file")
        }
        if header.starts(with: [0x49, 0x49]) || header.starts(with: [0x4D, 0x4D]) { return try GeoTIFFReader.read(path) }
        if path.lowercased().hasSuffix(".hdr") || EnviHeader.headerPath(forData: path) != nil { return try EnviReader.read(path) }
        throw ReticleError(.unsupported, file: path, "not a GeoTIFF, an ENVI raster (no .hdr beside it) or a MATLAB v5 file")
    }
}
