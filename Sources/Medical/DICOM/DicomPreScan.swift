// A cheap walk over a DICOM file's element headers before dcmtk parses it: dcmtk recurses once
// per nested sequence and item, so a few hundred kilobytes of nested sequences overflow the
// stack. The walk skips every value, follows sequences and items, and reports the deepest nesting.

import Foundation

enum DicomPreScan {
    /// Deepest sequence nesting accepted; real objects nest a handful of levels.
    static let maxSequenceDepth = 64

    /// The deepest sequence nesting in `bytes` (a whole file), counting only sequences, stopping
    /// as soon as it passes `limit`. Deflated datasets are not walked (nil); a walk that meets
    /// something it cannot parse stops there and reports what it has seen (dcmtk reports the damage).
    static func sequenceDepth(_ bytes: UnsafeRawBufferPointer, limit: Int = maxSequenceDepth) -> Int? {
        let n = bytes.count
        var pos = 0
        var explicit = true, bigEndian = false
        if n >= 132, bytes[128] == 0x44, bytes[129] == 0x49, bytes[130] == 0x43, bytes[131] == 0x4D {  // "DICM"
            // The meta group is explicit VR little endian; its transfer syntax says what follows.
            pos = 132
            var syntax = ""
            while pos + 8 <= n, u16(bytes, pos, false) == 0x0002 {
                let element = u16(bytes, pos + 2, false)
                let (header, length) = explicitHeader(bytes, pos, false)
                guard let length, pos + header + length <= n else { return 0 }
                if element == 0x0010 {
                    syntax = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(pos + header)..<(pos + header + length)]), as: UTF8.self)
                        .trimmingCharacters(in: CharacterSet(charactersIn: "\0 "))
                }
                pos += header + length
            }
            switch syntax {
            case "1.2.840.10008.1.2": explicit = false
            case "1.2.840.10008.1.2.2": bigEndian = true
            case "1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.4.95": return nil  // deflated
            default: break
            }
        } else if n >= 8 {
            // A bare dataset: byte order from the first group, explicit when a VR follows the tag.
            bigEndian = bytes[0] == 0 && bytes[1] != 0
            explicit = isVR(bytes[pos + 4], bytes[pos + 5])
        }

        // Open containers: (end offset or nil for undefined length, is a sequence).
        var open: [(end: Int?, sequence: Bool)] = []
        var sequences = 0, deepest = 0
        func push(_ end: Int?, sequence: Bool) {
            open.append((end, sequence))
            if sequence { sequences += 1; deepest = max(deepest, sequences) }
        }
        func pop() { if let last = open.popLast(), last.sequence { sequences -= 1 } }

        while pos + 8 <= n, deepest <= limit {
            while let last = open.last, let end = last.end, pos >= end { pop() }
            let group = u16(bytes, pos, bigEndian), element = u16(bytes, pos + 2, bigEndian)
            if group == 0xFFFE {
                let length = u32(bytes, pos + 4, bigEndian)
                pos += 8
                switch element {
                case 0xE000: push(length == 0xFFFF_FFFF ? nil : pos + Int(length), sequence: false)
                case 0xE00D, 0xE0DD: if let last = open.last, last.end == nil { pop() }
                default: return deepest
                }
                continue
            }
            let header: Int, length: Int?, isSequence: Bool
            if explicit {
                (header, length) = explicitHeader(bytes, pos, bigEndian)
                let vr = (bytes[pos + 4], bytes[pos + 5])
                guard isVR(vr.0, vr.1) else { return deepest }
                // SQ, and UN or anything else of undefined length (dcmtk reads those as sequences).
                isSequence = (vr == (0x53, 0x51)) || length == nil
            } else {
                header = 8
                let l = u32(bytes, pos + 4, bigEndian)
                length = l == 0xFFFF_FFFF ? nil : Int(l)
                // Implicit VR: undefined length, or a value that opens with an item tag, is a sequence.
                let start = pos + 8
                isSequence = length == nil
                    || (start + 4 <= n && u16(bytes, start, bigEndian) == 0xFFFE && u16(bytes, start + 2, bigEndian) == 0xE000)
            }
            pos += header
            if isSequence {
                push(length.map { pos + $0 }, sequence: true)
            } else if let length {
                guard length <= n - pos else { return deepest }
                pos += length
            }
        }
        return deepest
    }

    /// Header size and value length (nil when undefined) of an explicit VR element at `pos`.
    private static func explicitHeader(_ b: UnsafeRawBufferPointer, _ pos: Int, _ bigEndian: Bool) -> (Int, Int?) {
        if longVRs.contains(UInt16(b[pos + 4]) << 8 | UInt16(b[pos + 5])) {
            guard pos + 12 <= b.count else { return (12, 0) }
            let l = u32(b, pos + 8, bigEndian)
            return (12, l == 0xFFFF_FFFF ? nil : Int(l))
        }
        return (8, Int(u16(b, pos + 6, bigEndian)))
    }

    /// VRs with a reserved 2 bytes and a 4-byte length, as two ASCII bytes.
    private static let longVRs: Set<UInt16> = Set(["OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"]
        .map { v -> UInt16 in let u = Array(v.utf8); return UInt16(u[0]) << 8 | UInt16(u[1]) })

    private static func isVR(_ a: UInt8, _ b: UInt8) -> Bool { (0x41...0x5A).contains(a) && (0x41...0x5A).contains(b) }

    private static func u16(_ b: UnsafeRawBufferPointer, _ i: Int, _ be: Bool) -> UInt16 {
        be ? UInt16(b[i]) << 8 | UInt16(b[i + 1]) : UInt16(b[i]) | UInt16(b[i + 1]) << 8
    }

    private static func u32(_ b: UnsafeRawBufferPointer, _ i: Int, _ be: Bool) -> UInt32 {
        let v = UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
        return be ? v.byteSwapped : v
    }
}
