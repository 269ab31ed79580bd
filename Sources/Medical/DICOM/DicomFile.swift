// One DICOM file opened through dcmtk: transfer syntax, attributes, calibration and frames.
// Decoding to an `Image` (VOI, MONOCHROME1) is DicomFrameDecoder's job.

import CDcmtk
import Foundation
import Shared

public final class DicomFile: @unchecked Sendable {
    /// Rescale Slope/Intercept, the linear modality LUT.
    public struct Rescale: Equatable, Sendable {
        public var slope: Double
        public var intercept: Double
    }

    public let path: String
    /// True when the file starts with a preamble and "DICM" (File Meta Information present).
    public let hasMetaHeader: Bool
    public let transferSyntax: DicomTransferSyntax

    private let handle: OpaquePointer
    // dcmtk loads values lazily and decoders share codec state per dataset: one call at a time.
    private let lock = NSLock()

    /// Opens `path`, with or without a meta header. Throws `.io` when the file is missing,
    /// `.corrupt` when dcmtk cannot parse it (truncated, impossible lengths).
    public init(path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ReticleError(.io, file: path, "no such file")
        }
        if isDirectory.boolValue { throw ReticleError(.io, file: path, "is a folder, not a file") }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        if size == 0 { throw ReticleError(.corrupt, file: path, "file is empty") }
        // dcmtk recurses per nested sequence: refuse deep nesting before it can overflow the stack.
        if let mapped = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped),
           let depth = mapped.withUnsafeBytes({ DicomPreScan.sequenceDepth($0) }), depth > DicomPreScan.maxSequenceDepth {
            throw ReticleError(.corrupt, file: path,
                               "sequences nested more than \(DicomPreScan.maxSequenceDepth) deep: not a plausible DICOM object")
        }
        var err = [CChar](repeating: 0, count: 1024)
        guard let h = rt_dcm_open(path, &err, err.count) else {
            throw ReticleError(.corrupt, file: path, Self.text(err))
        }
        // Without the preamble and "DICM" dcmtk accepts nearly anything as a bare dataset (64 zero
        // bytes parse as empty elements): one must at least say what it is, by SOP Class or Instance UID.
        if rt_dcm_has_meta_header(h) == 0 {
            var probe = [CChar](repeating: 0, count: 80)
            let identified = [(UInt16(0x0008), UInt16(0x0016)), (0x0008, 0x0018), (0x0002, 0x0002), (0x0002, 0x0003)]
                .contains { rt_dcm_get_string(h, $0.0, $0.1, &probe, probe.count) > 0 }
            guard identified else {
                rt_dcm_close(h)
                throw ReticleError(.corrupt, file: path,
                                   "no DICOM preamble (\"DICM\") and no SOP Class or Instance UID: not a DICOM dataset, or one cut short")
            }
        }
        handle = h
        self.path = path
        hasMetaHeader = rt_dcm_has_meta_header(h) != 0
        var uid = [CChar](repeating: 0, count: 128), name = [CChar](repeating: 0, count: 128)
        rt_dcm_transfer_syntax(h, &uid, uid.count, &name, name.count)
        transferSyntax = DicomTransferSyntax(uid: Self.text(uid), name: Self.text(name),
                                             decodable: rt_dcm_transfer_syntax_decodable(h) != 0)
    }

    deinit { rt_dcm_close(handle) }

    /// The dcmtk version this build links, e.g. "3.6.7".
    public static var libraryVersion: String { String(cString: rt_dcm_library_version()) }

    // MARK: - Attributes

    /// All values of an attribute as text (multiple values joined by "\"); nil when absent.
    /// Group 0002 reads the meta header.
    public func string(_ tag: DicomTag) -> String? {
        locked {
            var buf = [CChar](repeating: 0, count: 256)
            var n = rt_dcm_get_string(handle, tag.group, tag.element, &buf, buf.count)
            if n < 0 { return nil }
            if n >= buf.count {
                buf = [CChar](repeating: 0, count: n + 1)
                n = rt_dcm_get_string(handle, tag.group, tag.element, &buf, buf.count)
            }
            return n < 0 ? nil : Self.text(buf)
        }
    }

    /// Value `index` of a numeric attribute (DS, IS, US, SS, UL, SL, FL, FD); nil when absent or not a number.
    public func number(_ tag: DicomTag, index: Int = 0) -> Double? {
        guard index >= 0 else { return nil }
        return locked {
            var v = 0.0
            return rt_dcm_get_number(handle, tag.group, tag.element, UInt(index), &v) == 1 ? v : nil
        }
    }

    /// Every value of a numeric attribute; empty when absent. Nil entries (malformed values) are dropped.
    public func numbers(_ tag: DicomTag) -> [Double] {
        let n = valueCount(tag) ?? 0
        return (0..<n).compactMap { number(tag, index: $0) }
    }

    /// Number of values (VM) of an attribute; nil when absent.
    public func valueCount(_ tag: DicomTag) -> Int? {
        locked {
            let n = rt_dcm_value_count(handle, tag.group, tag.element)
            return n < 0 ? nil : n
        }
    }

    /// Value `index` of a numeric attribute inside the first item of each sequence in `sequences`.
    public func number(in sequences: [DicomTag], _ tag: DicomTag, index: Int = 0) -> Double? {
        guard index >= 0 else { return nil }
        let path = sequences.map(\.combined)
        return locked {
            var v = 0.0
            let found = path.withUnsafeBufferPointer {
                rt_dcm_get_nested_number(handle, $0.baseAddress, $0.count, tag.group, tag.element, UInt(index), &v)
            }
            return found == 1 ? v : nil
        }
    }

    /// An attribute by keyword, for the tags `DicomTag` knows.
    public func string(named keyword: String) -> String? { DicomTag.named(keyword).flatMap { string($0) } }

    /// dcmtk's name for a UID ("CT Image Storage"); nil when dcmtk does not know it.
    public static func uidName(_ uid: String) -> String? {
        var buf = [CChar](repeating: 0, count: 256)
        rt_dcm_uid_name(uid, &buf, buf.count)
        let name = text(buf)
        return name.isEmpty ? nil : name
    }

    public var modality: String? { string(.modality) }
    public var sopClassUID: String? { string(.sopClassUID) }
    public var hasPixelData: Bool { locked { rt_dcm_has_pixel_data(handle) != 0 } }

    /// Rescale slope and intercept when both are present (at the top level, else in the shared
    /// functional groups of an enhanced multi-frame object); nil otherwise, as pydicom reads it.
    public var rescale: Rescale? {
        if let s = number(.rescaleSlope), let i = number(.rescaleIntercept) { return Rescale(slope: s, intercept: i) }
        if number(.rescaleSlope) != nil || number(.rescaleIntercept) != nil { return nil }
        let groups: [DicomTag] = [.sharedFunctionalGroupsSequence, .pixelValueTransformationSequence]
        if let s = number(in: groups, .rescaleSlope), let i = number(in: groups, .rescaleIntercept) {
            return Rescale(slope: s, intercept: i)
        }
        return nil
    }

    /// The VOI windows the file suggests (WindowCenter/WindowWidth pairs), first one first.
    public var windows: [DicomWindow] {
        let centers = numbers(.windowCenter), widths = numbers(.windowWidth)
        let function = string(.voiLUTFunction).flatMap { DicomWindow.Function(rawValue: $0.uppercased()) } ?? .linear
        return zip(centers, widths).map { DicomWindow(center: $0, width: $1, function: function) }
    }

    /// The VOI LUTs of the VOI LUT Sequence, in file order; empty when it has none. Throws
    /// `.corrupt` when an item's descriptor or data is inconsistent.
    public func voiLUTs() throws -> [DicomVOILUT] {
        try locked {
            let count = rt_dcm_voi_lut_count(handle)
            var luts: [DicomVOILUT] = []
            for index in 0..<max(count, 0) {
                var first: Int64 = 0, bits: UInt32 = 0
                var err = [CChar](repeating: 0, count: 512)
                let n = rt_dcm_voi_lut(handle, UInt(index), &first, &bits, nil, 0, &err, err.count)
                guard n > 0 else { throw ReticleError(.corrupt, file: path, Self.text(err)) }
                var table = [UInt16](repeating: 0, count: n)
                _ = table.withUnsafeMutableBufferPointer {
                    rt_dcm_voi_lut(handle, UInt(index), &first, &bits, $0.baseAddress, $0.count, &err, err.count)
                }
                luts.append(DicomVOILUT(firstMapped: Int(first), bits: Int(bits), table: table))
            }
            return luts
        }
    }

    // MARK: - Calibration

    /// Pixel size from PixelSpacing (row, column spacing in mm), else the shared functional
    /// groups' Pixel Measures (enhanced and slide-microscopy objects), else ImagerPixelSpacing
    /// (at the detector, so not corrected for magnification: the detail says so). Nil when none
    /// is present or valid.
    public var calibration: Calibration? {
        let measures: [DicomTag] = [.sharedFunctionalGroupsSequence, .pixelMeasuresSequence]
        let candidates: [(row: Double?, column: Double?, detail: String)] = [
            (number(.pixelSpacing), number(.pixelSpacing, index: 1), "PixelSpacing (0028,0030)"),
            (number(in: measures, .pixelSpacing), number(in: measures, .pixelSpacing, index: 1),
             "SharedFunctionalGroupsSequence > PixelMeasuresSequence > PixelSpacing"),
            (number(.imagerPixelSpacing), number(.imagerPixelSpacing, index: 1),
             "ImagerPixelSpacing (0018,1164): spacing at the detector, not corrected for geometric magnification"),
        ]
        for c in candidates {
            guard let row = c.row, let column = c.column else { continue }
            let cal = Calibration(umPerPixelX: Medical.tidy(column * 1000), umPerPixelY: Medical.tidy(row * 1000),
                                  source: .vendorMetadata,
                                  detail: "\(c.detail) = \(Self.format(row))\\\(Self.format(column)) mm")
            if cal.isValid { return cal }
        }
        return nil
    }

    // MARK: - Pixel data

    /// The image pixel module, checked (sizes, bit depths, photometric interpretation).
    public func imageInfo() throws -> DicomImageInfo {
        try locked {
            var info = rt_dcm_image_info()
            var err = [CChar](repeating: 0, count: 512)
            let rc = rt_dcm_image_info_get(handle, &info, &err, err.count)
            guard Int(rc) == RT_DCM_OK else { throw error(rc, err) }
            let photometric = withUnsafeBytes(of: info.photometric) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            return DicomImageInfo(
                rows: Int(info.rows), columns: Int(info.columns), frames: Int(info.frames),
                samplesPerPixel: Int(info.samples_per_pixel), bitsAllocated: Int(info.bits_allocated),
                bitsStored: Int(info.bits_stored), highBit: Int(info.high_bit),
                pixelRepresentation: Int(info.pixel_representation),
                planarConfiguration: Int(info.planar_configuration), photometric: photometric,
                isMonochrome: info.monochrome != 0,
                modalityRange: min(info.modality_min, info.modality_max)...max(info.modality_min, info.modality_max))
        }
    }

    /// Number of frames: 0 without pixel data, else NumberOfFrames (1 when absent).
    public var frameCount: Int {
        guard hasPixelData else { return 0 }
        return (try? imageInfo().frames) ?? 1
    }

    /// One monochrome frame as modality-LUT values (rescale or LUT sequence applied, nothing else),
    /// row-major, rows × columns. Throws `.unsupported` for undecodable transfer syntaxes.
    public func modalityValues(frame: Int) throws -> [Float] {
        let info = try imageInfo()
        guard info.isMonochrome else { throw ReticleError(.usage, file: path, "\(info.photometric) is not monochrome") }
        try check(frame: frame, info)
        var out = [Float](repeating: 0, count: info.rows * info.columns)
        try locked {
            var err = [CChar](repeating: 0, count: 512)
            let rc = out.withUnsafeMutableBufferPointer {
                rt_dcm_decode_modality(handle, UInt32(frame), $0.baseAddress, $0.count, &err, err.count)
            }
            guard Int(rc) == RT_DCM_OK else { throw error(rc, err) }
        }
        return out
    }

    /// One frame's stored samples before any LUT, as pydicom's `pixel_array` holds them: BitsStored
    /// bits sign-extended per PixelRepresentation; colour samples interleaved, in the model the codec
    /// decodes to (RGB after JPEG's YBR conversion or JPEG 2000's inverse RCT/ICT); palette indices.
    /// Exact for every bit depth (32-bit RGB included), for checksums against the reference toolkit.
    /// Throws `.unsupported` for native YBR_*_422 (subsampled chroma: decode it as colour).
    public func storedValues(frame: Int) throws -> [Int64] {
        let info = try imageInfo()
        try check(frame: frame, info)
        var out = [Int64](repeating: 0, count: info.rows * info.columns * info.samplesPerPixel)
        try locked {
            var err = [CChar](repeating: 0, count: 512)
            let rc = out.withUnsafeMutableBufferPointer {
                rt_dcm_decode_stored(handle, UInt32(frame), $0.baseAddress, $0.count, &err, err.count)
            }
            guard Int(rc) == RT_DCM_OK else { throw error(rc, err) }
        }
        return out
    }

    /// One colour frame (RGB, YBR, palette colour) as interleaved RGB: `.uint8`, or `.uint16` when
    /// more than 8 bits are stored. Throws `.unsupported` for undecodable transfer syntaxes.
    public func rgbSamples(frame: Int) throws -> PixelStorage {
        let info = try imageInfo()
        guard !info.isMonochrome else { throw ReticleError(.usage, file: path, "image is monochrome, not colour") }
        try check(frame: frame, info)
        let count = info.rows * info.columns * 3
        let bits = info.colorOutputBits
        var err = [CChar](repeating: 0, count: 512)
        func decode(_ raw: UnsafeMutableRawBufferPointer) -> Int32 {
            rt_dcm_decode_color(handle, UInt32(frame), Int32(bits), raw.baseAddress, raw.count, &err, err.count)
        }
        return try locked {
            if bits == 8 {
                var out = [UInt8](repeating: 0, count: count)
                let rc = out.withUnsafeMutableBytes(decode)
                guard Int(rc) == RT_DCM_OK else { throw error(rc, err) }
                return .uint8(out)
            }
            var out = [UInt16](repeating: 0, count: count)
            let rc = out.withUnsafeMutableBytes(decode)
            guard Int(rc) == RT_DCM_OK else { throw error(rc, err) }
            return .uint16(out)
        }
    }

    /// One frame as interleaved 8-bit RGB, for whole-slide tiles: colour in RGB (YBR converted),
    /// monochrome scaled from BitsStored to 8 bits and repeated in R, G and B. Only this frame's
    /// compressed bytes are read (and released again), whatever the file's size.
    public func rgb8(frame: Int, info: DicomImageInfo) throws -> [UInt8] {
        guard frame >= 0, frame < info.frames else {
            throw ReticleError(.corrupt, file: path, "frame \(frame) out of range (\(info.frames) frames)")
        }
        var out = [UInt8](repeating: 0, count: info.rows * info.columns * 3)
        try locked {
            var err = [CChar](repeating: 0, count: 512)
            let rc = out.withUnsafeMutableBufferPointer {
                rt_dcm_decode_rgb8(handle, UInt32(frame), $0.baseAddress, $0.count, &err, err.count)
            }
            guard Int(rc) == RT_DCM_OK else { throw error(rc, err) }
        }
        return out
    }

    /// The (column, row) of each frame's top-left pixel in the total pixel matrix, 0-based, from
    /// PerFrameFunctionalGroupsSequence > PlanePositionSlideSequence (TILED_SPARSE slides).
    public func framePositions() throws -> [(column: Int, row: Int)] {
        try locked {
            var err = [CChar](repeating: 0, count: 512)
            let n = rt_dcm_frame_positions(handle, nil, nil, 0, &err, err.count)
            guard n >= 0 else { throw ReticleError(.corrupt, file: path, Self.text(err)) }
            var columns = [Int64](repeating: 0, count: n), rows = [Int64](repeating: 0, count: n)
            if n > 0 {
                let got = rt_dcm_frame_positions(handle, &columns, &rows, n, &err, err.count)
                guard got == n else { throw ReticleError(.corrupt, file: path, Self.text(err)) }
            }
            return zip(columns, rows).map { (column: Int($0) - 1, row: Int($1) - 1) }
        }
    }

    // MARK: - Helpers

    /// Range, decodability and native length, checked before a frame buffer is allocated.
    private func check(frame: Int, _ info: DicomImageInfo) throws {
        guard frame >= 0, frame < info.frames else {
            throw ReticleError(.usage, file: path, "frame \(frame) out of range (\(info.frames) frames)")
        }
        try locked {
            var err = [CChar](repeating: 0, count: 512)
            let rc = rt_dcm_check_frame(handle, UInt32(frame), &err, err.count)
            guard Int(rc) == RT_DCM_OK else { throw error(rc, err) }
        }
    }

    /// The dcmtk handle, one caller at a time (the result writer reads the source's UIDs).
    func withHandle<T>(_ body: (OpaquePointer) throws -> T) rethrows -> T {
        try locked { try body(handle) }
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    private func error(_ rc: Int32, _ err: [CChar]) -> ReticleError {
        ReticleError(Int(rc) == RT_DCM_UNSUPPORTED ? .unsupported : .corrupt, file: path, Self.text(err))
    }

    static func text(_ buf: [CChar]) -> String {
        let bytes = buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)"
    }
}
