// The version recorded in every result, model file and report.
public enum ReticleVersion {
    public static let string = "0.1.0"
}
