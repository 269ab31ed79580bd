// `reticle inspect` for DICOM files: what the file is, how its pixels are encoded, its pixel
// size, and whether frame 0 actually decodes. Patient identifiers only when asked.

import Foundation
import Shared

public struct DicomInspector: FileInspector {
    public let kind = "dicom"

    public init() {}

    /// A damaged .dcm file is still taken by a folder walk, so it becomes an error row, not a skip.
    public var extensions: [String] { ["dcm", "dicom"] }

    /// "DICM" after the 128-byte preamble, a .dcm/.dicom name, or a bare dataset that starts
    /// like one (a group 0008 or 0002 tag followed by an explicit VR or a sane implicit length).
    public func recognizes(path: String, header: [UInt8]) -> Bool {
        if header.count >= 132, Array(header[128..<132]) == Array("DICM".utf8) { return true }
        let ext = (path as NSString).pathExtension.lowercased()
        if ext == "dcm" || ext == "dicom" { return true }
        return Self.looksLikeBareDataset(header)
    }

    static func looksLikeBareDataset(_ h: [UInt8]) -> Bool {
        guard h.count >= 8 else { return false }
        let isVR = { (a: UInt8, b: UInt8) in (0x41...0x5A).contains(a) && (0x41...0x5A).contains(b) }
        let groupLE = UInt16(h[0]) | UInt16(h[1]) << 8, groupBE = UInt16(h[0]) << 8 | UInt16(h[1])
        let elementLE = UInt16(h[2]) | UInt16(h[3]) << 8
        if (groupLE == 0x0008 || groupLE == 0x0002) && elementLE < 0x0100 {
            if isVR(h[4], h[5]) { return true }
            let length = UInt32(h[4]) | UInt32(h[5]) << 8 | UInt32(h[6]) << 16 | UInt32(h[7]) << 24
            return length < 1024 && (length % 2 == 0)
        }
        return groupBE == 0x0008 && isVR(h[4], h[5])
    }

    /// Keys, in order: kind, format, modality, sop_class, sop_class_name (dcmtk's name for it, so a
    /// dataset without pixel data, a plan or a report, says what it is), width, height, frames, transfer_syntax
    /// {uid, name, decodable}, photometric, samples_per_pixel, bits_allocated, bits_stored,
    /// pixel_representation, rescale {slope, intercept}, window {center, width} (arrays when the
    /// file has several), pixel_spacing_um [row, column] (DICOM order), calibration, pixel_data
    /// ("decoded" or "none"), slide (whole-slide images only: the series' pyramid, see
    /// `SlideInspector.dicomSlide`) and phi (only with `showPhi`).
    /// Throws `.unsupported` when frame 0 is in a syntax without a decoder (HTJ2K, video), `.corrupt`
    /// when it cannot be decoded (truncated, inconsistent sizes).
    public func inspect(path: String, options: InspectOptions) throws -> JSONObject {
        let file = try DicomFile(path: path)
        let hasPixels = file.hasPixelData
        let rows = file.number(.rows)
        var o = JSONObject()
        o["kind"] = .string(kind)
        o["format"] = "DICOM"
        o["modality"] = Self.json(file.modality)
        o["sop_class"] = Self.json(file.sopClassUID)
        o["sop_class_name"] = Self.json(file.sopClassUID.flatMap(DicomFile.uidName))
        o["width"] = Self.json(file.number(.columns))
        o["height"] = Self.json(rows)
        o["frames"] = hasPixels || rows != nil ? .number(file.number(.numberOfFrames) ?? 1) : .null
        let ts = file.transferSyntax
        o["transfer_syntax"] = .object(["uid": .string(ts.uid), "name": .string(ts.name), "decodable": .bool(ts.decodable)])
        o["photometric"] = Self.json(file.string(.photometricInterpretation))
        o["samples_per_pixel"] = Self.json(file.number(.samplesPerPixel))
        o["bits_allocated"] = Self.json(file.number(.bitsAllocated))
        o["bits_stored"] = Self.json(file.number(.bitsStored))
        o["pixel_representation"] = Self.json(file.number(.pixelRepresentation))
        o["rescale"] = file.rescale.map { .object(["slope": .number($0.slope), "intercept": .number($0.intercept)]) } ?? .null
        o["window"] = Self.window(file)
        let calibration = file.calibration
        o["pixel_spacing_um"] = calibration.map { .array([.number($0.umPerPixelY), .number($0.umPerPixelX)]) } ?? .null
        o["calibration"] = Medical.json(calibration)
        if hasPixels {
            // Decoding frame 0 is what catches truncated or undecodable files at inspect time.
            _ = try DicomFrameDecoder().decode(file, frame: 0)
            o["pixel_data"] = "decoded"
        } else {
            o["pixel_data"] = "none"
        }
        if file.sopClassUID == DicomSlide.sopClassUID {
            // A whole-slide image: the pyramid of its series, or why it cannot be read as a slide.
            do { o["slide"] = .object(try SlideInspector.dicomSlide(path: path)) } catch {
                o["slide"] = .object(["error": .string("\(error)")])
            }
        }
        if options.showPhi {
            var phi = JSONObject()
            for tag in DicomPHI.tags {
                if let v = file.string(tag) { phi[tag.keyword] = .string(v) }
            }
            o["phi"] = .object(phi)
        }
        return o
    }

    private static func window(_ file: DicomFile) -> JSONValue {
        let centers = file.numbers(.windowCenter), widths = file.numbers(.windowWidth)
        if centers.isEmpty || widths.isEmpty { return .null }
        if centers.count == 1 && widths.count == 1 {
            return .object(["center": .number(centers[0]), "width": .number(widths[0])])
        }
        return .object(["center": .array(centers.map(JSONValue.number)), "width": .array(widths.map(JSONValue.number))])
    }

    private static func json(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
    private static func json(_ d: Double?) -> JSONValue { d.map(JSONValue.number) ?? .null }
}
