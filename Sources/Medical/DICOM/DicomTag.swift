// DICOM attribute tags by keyword: the handful Reticle reads, so code says `.pixelSpacing`
// rather than (0028,0030). Not a data dictionary; dcmtk has that.

/// One attribute tag (group, element) with its DICOM keyword.
public struct DicomTag: Hashable, Sendable, CustomStringConvertible {
    public let group: UInt16
    public let element: UInt16
    /// The keyword of PS3.6, e.g. "PixelSpacing".
    public let keyword: String

    public init(_ group: UInt16, _ element: UInt16, _ keyword: String) {
        self.group = group
        self.element = element
        self.keyword = keyword
    }

    /// "(0028,0030) PixelSpacing".
    public var description: String { "(\(hex(group)),\(hex(element))) \(keyword)" }

    /// The tag as one number, (group << 16) | element.
    public var combined: UInt32 { UInt32(group) << 16 | UInt32(element) }

    private func hex(_ v: UInt16) -> String {
        let s = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - s.count) + s
    }

    /// A tag known to this table by keyword (`DicomTag.named("PatientName")`).
    public static func named(_ keyword: String) -> DicomTag? { known.first { $0.keyword == keyword } }

    // File meta and identification.
    public static let transferSyntaxUID = DicomTag(0x0002, 0x0010, "TransferSyntaxUID")
    public static let sopClassUID = DicomTag(0x0008, 0x0016, "SOPClassUID")
    public static let sopInstanceUID = DicomTag(0x0008, 0x0018, "SOPInstanceUID")
    public static let modality = DicomTag(0x0008, 0x0060, "Modality")
    public static let studyInstanceUID = DicomTag(0x0020, 0x000D, "StudyInstanceUID")
    public static let seriesInstanceUID = DicomTag(0x0020, 0x000E, "SeriesInstanceUID")
    // Whole-slide microscopy (VL Whole Slide Microscopy Image IOD).
    public static let imageType = DicomTag(0x0008, 0x0008, "ImageType")
    public static let manufacturer = DicomTag(0x0008, 0x0070, "Manufacturer")
    public static let instanceNumber = DicomTag(0x0020, 0x0013, "InstanceNumber")
    public static let concatenationFrameOffsetNumber = DicomTag(0x0020, 0x9228, "ConcatenationFrameOffsetNumber")
    public static let dimensionOrganizationType = DicomTag(0x0020, 0x9311, "DimensionOrganizationType")
    public static let imagedVolumeWidth = DicomTag(0x0048, 0x0001, "ImagedVolumeWidth")
    public static let imagedVolumeHeight = DicomTag(0x0048, 0x0002, "ImagedVolumeHeight")
    public static let totalPixelMatrixColumns = DicomTag(0x0048, 0x0006, "TotalPixelMatrixColumns")
    public static let totalPixelMatrixRows = DicomTag(0x0048, 0x0007, "TotalPixelMatrixRows")
    public static let opticalPathSequence = DicomTag(0x0048, 0x0105, "OpticalPathSequence")
    public static let objectiveLensPower = DicomTag(0x0048, 0x0112, "ObjectiveLensPower")
    public static let numberOfOpticalPaths = DicomTag(0x0048, 0x0302, "NumberOfOpticalPaths")
    public static let totalPixelMatrixFocalPlanes = DicomTag(0x0048, 0x0303, "TotalPixelMatrixFocalPlanes")
    public static let perFrameFunctionalGroupsSequence = DicomTag(0x5200, 0x9230, "PerFrameFunctionalGroupsSequence")
    // Image pixel module.
    public static let samplesPerPixel = DicomTag(0x0028, 0x0002, "SamplesPerPixel")
    public static let photometricInterpretation = DicomTag(0x0028, 0x0004, "PhotometricInterpretation")
    public static let numberOfFrames = DicomTag(0x0028, 0x0008, "NumberOfFrames")
    public static let rows = DicomTag(0x0028, 0x0010, "Rows")
    public static let columns = DicomTag(0x0028, 0x0011, "Columns")
    public static let bitsAllocated = DicomTag(0x0028, 0x0100, "BitsAllocated")
    public static let bitsStored = DicomTag(0x0028, 0x0101, "BitsStored")
    public static let pixelRepresentation = DicomTag(0x0028, 0x0103, "PixelRepresentation")
    public static let pixelData = DicomTag(0x7FE0, 0x0010, "PixelData")
    // Spacing.
    public static let pixelSpacing = DicomTag(0x0028, 0x0030, "PixelSpacing")
    public static let imagerPixelSpacing = DicomTag(0x0018, 0x1164, "ImagerPixelSpacing")
    public static let sharedFunctionalGroupsSequence = DicomTag(0x5200, 0x9229, "SharedFunctionalGroupsSequence")
    public static let pixelMeasuresSequence = DicomTag(0x0028, 0x9110, "PixelMeasuresSequence")
    public static let pixelValueTransformationSequence = DicomTag(0x0028, 0x9145, "PixelValueTransformationSequence")
    // Modality and VOI LUT.
    public static let rescaleIntercept = DicomTag(0x0028, 0x1052, "RescaleIntercept")
    public static let rescaleSlope = DicomTag(0x0028, 0x1053, "RescaleSlope")
    public static let windowCenter = DicomTag(0x0028, 0x1050, "WindowCenter")
    public static let windowWidth = DicomTag(0x0028, 0x1051, "WindowWidth")
    public static let voiLUTFunction = DicomTag(0x0028, 0x1056, "VOILUTFunction")
    // Patient and study identification (see DicomPHI).
    public static let patientName = DicomTag(0x0010, 0x0010, "PatientName")
    public static let patientID = DicomTag(0x0010, 0x0020, "PatientID")
    public static let patientBirthDate = DicomTag(0x0010, 0x0030, "PatientBirthDate")
    public static let patientSex = DicomTag(0x0010, 0x0040, "PatientSex")
    public static let patientAge = DicomTag(0x0010, 0x1010, "PatientAge")
    public static let otherPatientIDs = DicomTag(0x0010, 0x1000, "OtherPatientIDs")
    public static let patientAddress = DicomTag(0x0010, 0x1040, "PatientAddress")
    public static let institutionName = DicomTag(0x0008, 0x0080, "InstitutionName")
    public static let referringPhysicianName = DicomTag(0x0008, 0x0090, "ReferringPhysicianName")
    public static let accessionNumber = DicomTag(0x0008, 0x0050, "AccessionNumber")
    public static let studyID = DicomTag(0x0020, 0x0010, "StudyID")
    public static let studyDate = DicomTag(0x0008, 0x0020, "StudyDate")
    public static let studyTime = DicomTag(0x0008, 0x0030, "StudyTime")

    /// Every tag above, for lookup by keyword.
    public static let known: [DicomTag] = [
        transferSyntaxUID, sopClassUID, sopInstanceUID, modality, studyInstanceUID, seriesInstanceUID, samplesPerPixel, photometricInterpretation, numberOfFrames,
        rows, columns, bitsAllocated, bitsStored, pixelRepresentation, pixelData, pixelSpacing,
        imagerPixelSpacing, sharedFunctionalGroupsSequence, pixelMeasuresSequence,
        pixelValueTransformationSequence, rescaleIntercept, rescaleSlope, windowCenter, windowWidth,
        voiLUTFunction, imageType, manufacturer, instanceNumber, concatenationFrameOffsetNumber, dimensionOrganizationType,
        imagedVolumeWidth, imagedVolumeHeight, totalPixelMatrixColumns, totalPixelMatrixRows, opticalPathSequence,
        objectiveLensPower, numberOfOpticalPaths, totalPixelMatrixFocalPlanes, perFrameFunctionalGroupsSequence,
    ] + DicomPHI.tags
}
