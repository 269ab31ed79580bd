// One medical image file as float samples in 0…1, whatever it is: a PNG / JPEG / TIFF / BMP
// (integer samples scaled to full range) or a DICOM file (first frame; modality LUT, then the
// file's first VOI window when it has one, else the frame's own range; MONOCHROME1 inverted by
// the DICOM decoder). Training, evaluation and classification read pixels through this one
// path, so a model sees at inference what it saw in training.

import Foundation
import Shared

public enum MedicalImageReader {
    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg", "tif", "tiff", "bmp"]

    /// True for a DICOM file: a `.dcm` / `.dicom` name, or "DICM" at byte 128.
    public static func isDicom(_ path: String) -> Bool {
        let ext = (path as NSString).pathExtension.lowercased()
        if ext == "dcm" || ext == "dicom" { return true }
        guard let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        guard let head = try? h.read(upToCount: 132), head.count == 132 else { return false }
        return head.suffix(4) == Data("DICM".utf8)
    }

    /// Files a folder of training images holds (images and DICOM files), sorted, hidden files and folders skipped.
    static func files(under root: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var out: [String] = []
        while let rel = walker.nextObject() as? String {
            let name = (rel as NSString).lastPathComponent
            // A hidden folder (a clone's .git, a fetch script's .src) holds no training images.
            if name.hasPrefix(".") { walker.skipDescendants(); continue }
            let path = root + "/" + rel
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else { continue }
            let ext = (name as NSString).pathExtension.lowercased()
            if imageExtensions.contains(ext) || ext == "dcm" || ext == "dicom" || (ext.isEmpty && isDicom(path)) { out.append(path) }
        }
        return out.sorted()
    }

    /// The image in 0…1 (1 or 3 channels, float32).
    public static func read(_ path: String) throws -> Image {
        guard FileManager.default.fileExists(atPath: path) else { throw ReticleError(.io, file: path, "no such file") }
        if isDicom(path) { return try dicom(DicomFile(path: path), path: path) }
        let image = try ImageFile.read(path: path)
        let f = image.floatPixels()
        if image.channels == 1 || image.channels == 3 { return Image(width: image.width, height: image.height, channels: image.channels, storage: .float32(f)) }
        // Grey + alpha or RGBA: drop alpha.
        let keep = image.channels >= 3 ? 3 : 1
        var out = [Float](); out.reserveCapacity(image.pixelCount * keep)
        for p in 0..<image.pixelCount { for c in 0..<keep { out.append(f[p * image.channels + c]) } }
        return Image(width: image.width, height: image.height, channels: keep, storage: .float32(out))
    }

    /// The first frame of a DICOM file in 0…1.
    public static func dicom(_ file: DicomFile, path: String) throws -> Image {
        guard file.hasPixelData else { throw ReticleError(.unsupported, file: path, "the DICOM file holds no pixel data (not an image)") }
        let hasWindow = !file.windows.isEmpty
        let decoded = try DicomFrameDecoder(voi: hasWindow ? .fromFile(index: 0) : .none).decode(file, frame: 0)
        if decoded.channels == 3 {
            return Image(width: decoded.width, height: decoded.height, channels: 3, storage: .float32(decoded.floatPixels()))
        }
        var v = decoded.floatPixels(normalized: false)
        if !hasWindow {
            // No window: the frame's own range becomes 0…1.
            let lo = v.min() ?? 0, hi = v.max() ?? 1
            let s: Float = hi > lo ? 1 / (hi - lo) : 0
            for i in v.indices { v[i] = (v[i] - lo) * s }
        }
        return Image(width: decoded.width, height: decoded.height, channels: 1, storage: .float32(v))
    }
}
