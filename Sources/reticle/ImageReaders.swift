// How commands read input images: the modules' decoders (DICOM) before the four rasters.
import Medical
import Shared

enum ImageReaders {
    static let all = ImageReader(Medical.imageDecoders)
}
