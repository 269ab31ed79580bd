// One classification result as it goes into a DICOM Structured Report.

public struct DicomFinding: Codable, Equatable, Sendable {
    /// The class the model found, e.g. "malignant"; written as a code of Reticle's private scheme
    /// whose meaning is this text.
    public var label: String
    /// The model's probability for `label`, in 0...1.
    public var probability: Double
    public var modelName: String
    public var modelVersion: String

    public init(label: String, probability: Double, modelName: String, modelVersion: String) {
        self.label = label
        self.probability = probability
        self.modelName = modelName
        self.modelVersion = modelVersion
    }
}
