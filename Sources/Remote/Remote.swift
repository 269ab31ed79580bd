// Remote sensing: hyperspectral cubes (ENVI, MATLAB v5, GeoTIFF) fused with LiDAR.
public enum Remote {
    public static let inspectorKinds: [String] = []
}
