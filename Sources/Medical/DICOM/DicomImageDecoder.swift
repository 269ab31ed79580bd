// A single-frame DICOM image (a micrograph saved as VL Microscopic or Secondary Capture, an
// ordinary radiograph) for commands outside Medical: the first VOI window when the file has
// one, else the stored range (not the frame's own) mapped to 0…1, so that grey levels mean the
// same in every file of a series; colour as RGB samples. Its calibration is PixelSpacing and
// the other spacings `DicomFile.calibration` reads, with the attribute named in the detail.

import Foundation
import Shared

public struct DicomImageDecoder: ImageDecoder {
    public init() {}

    public var name: String { "DICOM" }
    public var extensions: [String] { ["dcm", "dicom"] }

    public func recognizes(path: String, header: [UInt8]) -> Bool {
        DicomInspector().recognizes(path: path, header: header)
    }

    public func read(path: String) throws -> Image {
        let file = try DicomFile(path: path)
        guard file.hasPixelData else {
            throw ReticleError(.unsupported, file: path, "the DICOM file holds no pixel data (not an image)")
        }
        let info = try file.imageInfo()
        guard info.frames == 1 else {
            throw ReticleError(.unsupported, file: path,
                               "a multi-frame DICOM object (\(info.frames) frames: a stack or a whole-slide image); this command reads single-frame images (use `med slides` for whole-slide images)")
        }
        let hasWindow = info.isMonochrome && !file.windows.isEmpty
        var image = try DicomFrameDecoder(voi: hasWindow ? .fromFile(index: 0) : .none).decode(file, frame: 0)
        if info.isMonochrome && !hasWindow, case .float32(var v) = image.storage {
            let lo = info.modalityRange.lowerBound, span = info.modalityRange.upperBound - lo
            let s = span > 0 ? Float(1 / span) : 0
            for i in v.indices { v[i] = min(1, max(0, (v[i] - Float(lo)) * s)) }
            image.storage = .float32(v)
        }
        image.calibration = file.calibration
        if image.calibration == nil {
            image.calibrationNote = "the DICOM file has no PixelSpacing, Pixel Measures or ImagerPixelSpacing"
        }
        return image
    }
}
