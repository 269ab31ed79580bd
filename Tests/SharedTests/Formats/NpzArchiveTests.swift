// .npz / .npy / ZIP reading: generated archives (stored and deflated, every dtype), hand-made
// ZIP64 and v2/v3 headers, and damaged copies that must fail with the file and member named.

import Foundation
import Shared
import TestSupport
import XCTest

final class NpzArchiveTests: XCTestCase {
    private func le<T: FixedWidthInteger>(_ values: [T]) -> Data {
        var d = Data()
        for v in values { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        return d
    }

    func testStoredAndDeflatedArchivesRoundTrip() throws {
        let images = NpyArray(dtype: .uint8, shape: [2, 2, 3], data: Data((0..<12).map { UInt8($0 * 20) }))
        let labels = NpyArray(dtype: .int64, shape: [2, 1], data: le([Int64(1), Int64(-3)]))
        let floats = NpyArray(dtype: .float32, shape: [3], data: le([Float(0.5).bitPattern, Float(-2).bitPattern, Float(1e-3).bitPattern]))
        for compress in [false, true] {
            let bytes = NpzArchive.encode([("images", images), ("labels", labels), ("f", floats)], compress: compress)
            let npz = try NpzArchive(bytes: bytes, file: "t.npz")
            XCTAssertEqual(npz.names, ["images", "labels", "f"])
            XCTAssertEqual(npz.zip.members.map(\.method), [UInt16](repeating: compress ? 8 : 0, count: 3))
            XCTAssertEqual(try npz.array("images"), images)
            XCTAssertEqual(try npz.array("images").floats(), (0..<12).map { Float($0 * 20) })
            XCTAssertEqual(try npz.array("labels").integers(file: "t.npz", what: "labels"), [1, -3])
            XCTAssertEqual(try npz.array("f").floats(), [0.5, -2, 1e-3])
        }
    }

    func testHeadersOfEveryVersionAndDtype() throws {
        func npy(major: UInt8, header: String, data: Data) -> Data {
            var d = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, major, 0])
            let h = Data(header.utf8)
            if major == 1 { d.append(le([UInt16(h.count)])) } else { d.append(le([UInt32(h.count)])) }
            return d + h + data
        }
        let v2 = try NpyArray(bytes: npy(major: 2, header: "{'descr': '<u2', 'fortran_order': False, 'shape': (2,), }\n", data: le([UInt16(7), UInt16(65535)])), file: "a.npy")
        XCTAssertEqual(v2.doubles(), [7, 65535])
        let v3 = try NpyArray(bytes: npy(major: 3, header: "{\"descr\": \">i4\", \"fortran_order\": False, \"shape\": (1, 2)}\n",
                                       data: Data([0xFF, 0xFF, 0xFF, 0xFE, 0, 0, 1, 0])), file: "b.npy")
        XCTAssertEqual(v3.shape, [1, 2])
        XCTAssertEqual(v3.doubles(), [-2, 256])
        let b = try NpyArray(bytes: npy(major: 1, header: "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }\n", data: Data([1, 0, 1])), file: "c.npy")
        XCTAssertEqual(b.doubles(), [1, 0, 1])
        let f8 = try NpyArray(bytes: npy(major: 1, header: "{'descr': '<f8', 'fortran_order': False, 'shape': (), }\n", data: le([(2.25).bitPattern])), file: "d.npy")
        XCTAssertEqual(f8.shape, [])
        XCTAssertEqual(f8.doubles(), [2.25])
        // Our encoder pads like NumPy: the data starts on a 64-byte boundary.
        let encoded = NpyArray(dtype: .uint8, shape: [5], data: Data([1, 2, 3, 4, 5])).encoded()
        XCTAssertEqual(encoded.count, 128 + 5)
        XCTAssertEqual(encoded[127], 0x0A)
    }

    func testZip64RecordsAreFollowed() throws {
        // A stored member whose central entry defers size, compressed size and offset to the ZIP64 extra field,
        // and an end record that defers to the ZIP64 end record.
        let payload = NpyArray(dtype: .uint8, shape: [3], data: Data([9, 8, 7])).encoded()
        let name = Data("x.npy".utf8), crc = Inflate.crc32(payload)
        var z = Data()
        z += le([UInt32(0x0403_4B50)]) + le([UInt16(45), 0, 0, 0, 0x21]) + le([crc, UInt32(payload.count), UInt32(payload.count)])
        z += le([UInt16(name.count), 0]) + name + payload
        let cdOffset = z.count
        var cd = le([UInt32(0x0201_4B50)]) + le([UInt16(45), 45, 0, 0, 0, 0x21]) + le([crc, UInt32.max, UInt32.max])
        cd += le([UInt16(name.count), 28, 0, 0, 0]) + le([UInt32(0), UInt32.max]) + name
        cd += le([UInt16(1), 24]) + le([UInt64(payload.count), UInt64(payload.count), 0])
        z += cd
        let record = z.count
        z += le([UInt32(0x0606_4B50)]) + le([UInt64(44)]) + le([UInt16(45), 45]) + le([UInt32(0), 0])
        z += le([UInt64(1), 1, UInt64(cd.count), UInt64(cdOffset)])
        z += le([UInt32(0x0706_4B50), 0]) + le([UInt64(record)]) + le([UInt32(1)])
        z += le([UInt32(0x0605_4B50)]) + le([UInt16(0), 0, 0xFFFF, 0xFFFF]) + le([UInt32.max, UInt32.max]) + le([UInt16(0)])
        let npz = try NpzArchive(bytes: z, file: "z64.npz")
        XCTAssertEqual(try npz.array("x").doubles(), [9, 8, 7])
    }

    func testDamagedArchivesNameTheFileAndMember() throws {
        let images = NpyArray(dtype: .uint8, shape: [4, 4], data: Data(repeating: 3, count: 16))
        let good = NpzArchive.encode([("train_images", images)], compress: true)
        func reason(_ bytes: Data, _ name: String = "train_images") -> String {
            do {
                _ = try NpzArchive(bytes: bytes, file: "bad.npz").array(name)
                return "no error"
            } catch let e as ReticleError {
                XCTAssertEqual(e.file, "bad.npz")
                return e.reason
            } catch { return "\(error)" }
        }
        XCTAssertTrue(reason(good.prefix(good.count - 30)).contains("end-of-central-directory"))
        XCTAssertTrue(reason(Data()).contains("too short"))
        // A flipped byte inside the deflated data: damaged stream or CRC mismatch, naming the member.
        var flipped = good
        flipped[60] ^= 0xFF
        XCTAssertTrue(reason(flipped).contains("train_images"), reason(flipped))
        XCTAssertTrue(reason(good, "val_images").contains("no array \"val_images\""))
        // The central directory claiming far more entries than it holds.
        var lying = good
        let eocd = lying.count - 22
        lying[eocd + 10] = 0xFF; lying[eocd + 11] = 0x7F
        XCTAssertTrue(reason(lying).contains("claims"), reason(lying))
        // A shape that needs more bytes than the member holds, and an unknown dtype.
        var header = images.encoded()
        let shapeAt = header.range(of: Data("(4, 4)".utf8))!
        header.replaceSubrange(shapeAt, with: Data("(4, 5)".utf8))
        XCTAssertThrowsError(try NpyArray(bytes: header, file: "bad.npz", what: "array \"train_images\"")) { e in
            XCTAssertTrue("\(e)".contains("needs 20 data bytes, the array holds 16"), "\(e)")
            XCTAssertTrue("\(e)".contains("train_images"))
        }
        var strange = images.encoded()
        strange.replaceSubrange(strange.range(of: Data("|u1".utf8))!, with: Data("<c8".utf8))
        XCTAssertThrowsError(try NpyArray(bytes: strange, file: "bad.npz")) { e in XCTAssertTrue("\(e)".contains("'<c8'"), "\(e)") }
        var wrongVersion = images.encoded()
        wrongVersion[6] = 9
        XCTAssertThrowsError(try NpyArray(bytes: wrongVersion, file: "bad.npz")) { e in XCTAssertTrue("\(e)".contains("version 9"), "\(e)") }
        XCTAssertThrowsError(try NpyArray(bytes: Data("not numpy at all".utf8), file: "bad.npz")) { e in XCTAssertTrue("\(e)".contains("magic"), "\(e)") }
    }

    func testSeededMutationsNeverCrash() throws {
        let arrays: [(name: String, array: NpyArray)] = [("a", NpyArray(dtype: .float32, shape: [2, 3], data: Data(repeating: 0x3F, count: 24))),
                                                         ("b", NpyArray(dtype: .uint8, shape: [7], data: Data(repeating: 1, count: 7)))]
        let good = NpzArchive.encode(arrays, compress: true)
        var rng = SplitMix64(seed: 13)
        for _ in 0..<300 {
            var bytes = good
            for _ in 0..<(1 + Int(rng.next() % 4)) { bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next()) }
            if rng.next() % 4 == 0 { bytes = bytes.prefix(Int(rng.next() % UInt64(bytes.count))) }
            do {
                let npz = try NpzArchive(bytes: bytes, file: "m.npz")
                for n in npz.names { _ = try? npz.array(n) }
            } catch let e as ReticleError {
                XCTAssertEqual(e.file, "m.npz")
            }
        }
    }
}

/// A real MedMNIST-layout archive written by NumPy, when one is on this machine (never in the repository):
/// `RETICLE_MEDMNIST_NPZ` or /work/data/medmnist/pneumoniamnist-aksufatih.npz (github.com/aksufatih/snn-medmnist).
final class NpzRealArchiveTests: XCTestCase {
    func testNumPyWrittenMedMNISTArchive() throws {
        let path = ProcessInfo.processInfo.environment["RETICLE_MEDMNIST_NPZ"] ?? "/work/data/medmnist/pneumoniamnist-aksufatih.npz"
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("no MedMNIST archive at \(path)") }
        let npz = try NpzArchive(path: path)
        XCTAssertEqual(Set(npz.names), ["train_images", "val_images", "test_images", "train_labels", "val_labels", "test_labels"])
        let images = try npz.array("train_images"), labels = try npz.array("train_labels")
        XCTAssertEqual(images.dtype, .uint8)
        XCTAssertEqual(images.shape, [2428, 28, 28])
        XCTAssertEqual(labels.shape, [2428, 1])
        // NumPy: train_labels.mean() == 0.5 for this balanced copy.
        XCTAssertEqual(labels.doubles().reduce(0, +) / 2428, 0.5, accuracy: 1e-12)
        XCTAssertEqual(try npz.array("test_images").shape, [468, 28, 28])
    }
}
