// Medical imaging: whole-slide images through OpenSlide and DICOM through dcmtk.
// See Slide/ and DICOM/ for the readers and their inspectors.
public enum Medical {
    /// Names of the inspectors this module contributes to `reticle inspect`, most specific first.
    public static let inspectorKinds = ["dicom", "slide"]
}
