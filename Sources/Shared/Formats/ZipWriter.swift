// Writes small ZIP containers (stored or deflated members, no ZIP64): NumPy .npz archives of
// results, and the generated archives the format tests read back.

import Foundation

public enum ZipWriter {
    /// The bytes of an archive holding `members` in order; deflated when `compress` is set.
    public static func archive(_ members: [(name: String, data: Data)], compress: Bool = false) -> Data {
        var out = Data(), directory = Data()
        func u16(_ v: Int, _ d: inout Data) { d.append(contentsOf: [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)]) }
        func u32(_ v: UInt32, _ d: inout Data) { for s in stride(from: 0, to: 32, by: 8) { d.append(UInt8((v >> UInt32(s)) & 0xFF)) } }
        for (name, data) in members {
            let payload = compress ? Inflate.deflate(data, framing: .raw) : data
            let crc = Inflate.crc32(data), nameBytes = Data(name.utf8), offset = UInt32(out.count)
            var local = Data()
            u32(0x0403_4B50, &local); u16(20, &local); u16(0, &local); u16(compress ? 8 : 0, &local)
            u16(0, &local); u16(0x21, &local)  // 1980-01-01 00:00, so archives are byte-identical run to run
            u32(crc, &local); u32(UInt32(payload.count), &local); u32(UInt32(data.count), &local)
            u16(nameBytes.count, &local); u16(0, &local)
            out.append(local); out.append(nameBytes); out.append(payload)
            var central = Data()
            u32(0x0201_4B50, &central); u16(20, &central); u16(20, &central); u16(0, &central); u16(compress ? 8 : 0, &central)
            u16(0, &central); u16(0x21, &central)
            u32(crc, &central); u32(UInt32(payload.count), &central); u32(UInt32(data.count), &central)
            u16(nameBytes.count, &central); u16(0, &central); u16(0, &central); u16(0, &central); u16(0, &central)
            u32(0, &central); u32(offset, &central)
            directory.append(central); directory.append(nameBytes)
        }
        let directoryOffset = out.count
        out.append(directory)
        var end = Data()
        u32(0x0605_4B50, &end); u16(0, &end); u16(0, &end); u16(members.count, &end); u16(members.count, &end)
        u32(UInt32(directory.count), &end); u32(UInt32(directoryOffset), &end); u16(0, &end)
        out.append(end)
        return out
    }
}
