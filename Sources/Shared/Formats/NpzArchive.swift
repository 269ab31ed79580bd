// NumPy .npz archives: a ZIP of .npy members (np.savez stores them, np.savez_compressed deflates
// them); arrays are addressed by name without the .npy suffix, as NumPy does.

import Foundation

public struct NpzArchive: Sendable {
    public let zip: ZipArchive
    public var path: String { zip.path }

    public init(path: String) throws { zip = try ZipArchive(path: path) }
    public init(bytes: Data, file: String) throws { zip = try ZipArchive(bytes: bytes, file: file) }

    /// Array names (member names without ".npy").
    public var names: [String] { zip.members.map { $0.name.hasSuffix(".npy") ? String($0.name.dropLast(4)) : $0.name } }

    public func contains(_ name: String) -> Bool { zip.member(name + ".npy") != nil || zip.member(name) != nil }

    /// The array called `name`; errors name the archive and the member.
    public func array(_ name: String, limit: Int = 1 << 34) throws -> NpyArray {
        guard let member = zip.member(name + ".npy") ?? zip.member(name) else {
            throw ReticleError(.corrupt, file: path, "the archive has no array \"\(name)\" (it has \(names.joined(separator: ", ")))")
        }
        return try NpyArray(bytes: try zip.data(of: member, limit: limit), file: path, what: "array \"\(name)\"")
    }

    /// The bytes of an .npz holding `arrays` in order.
    public static func encode(_ arrays: [(name: String, array: NpyArray)], compress: Bool = false) -> Data {
        ZipWriter.archive(arrays.map { ($0.name + ".npy", $0.array.encoded()) }, compress: compress)
    }
}
