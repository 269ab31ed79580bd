// The one list of patient-identifying DICOM attributes. Reticle never writes them to logs,
// reports or inspect output unless the user asks (`InspectOptions.showPhi`, `--show-phi`).

public enum DicomPHI {
    /// Attributes that identify a patient, a visit or the people and place involved. Anything
    /// added here disappears from default output everywhere at once.
    public static let tags: [DicomTag] = [
        .patientName, .patientID, .patientBirthDate, .patientSex, .patientAge, .otherPatientIDs,
        .patientAddress, .institutionName, .referringPhysicianName, .accessionNumber, .studyID,
        .studyDate, .studyTime,
    ]
}
