// Remote sensing: hyperspectral cubes (ENVI, MATLAB v5, GeoTIFF) fused with LiDAR.
// This file lists what the module contributes to `reticle inspect`.

import Shared

public enum Remote {
    /// Inspectors for the files this module reads, most specific first.
    public static let inspectors: [any FileInspector] = [LasInspector(), MatInspector(), EnviInspector(), GeoTIFFInspector()]
    public static var inspectorKinds: [String] { inspectors.map(\.kind) }
}
