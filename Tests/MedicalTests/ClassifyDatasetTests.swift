// MedMNIST-layout .npz archives become a MedicalImageSet: splits, channel order, normalisation,
// task kind; inconsistent archives are clear errors naming the file and array.

import Foundation
import Medical
import Shared
import TestSupport
import XCTest

final class ClassifyDatasetTests: XCTestCase {
    private func write(_ arrays: [(String, NpyArray)], compress: Bool = true) throws -> String {
        let url = makeTemporaryDirectory("medcls").appendingPathComponent("set.npz")
        try NpzArchive.encode(arrays.map { (name: $0.0, array: $0.1) }, compress: compress).write(to: url)
        return url.path
    }

    private func split(_ name: String, n: Int, rgb: Bool = false, labels: [UInt8], columns: Int = 1) -> [(String, NpyArray)] {
        let shape = rgb ? [n, 2, 2, 3] : [n, 2, 2]
        let count = shape.reduce(1, *)
        return [("\(name)_images", NpyArray(dtype: .uint8, shape: shape, data: Data((0..<count).map { UInt8(($0 * 17) % 256) }))),
                ("\(name)_labels", NpyArray(dtype: .uint8, shape: [n, columns], data: Data(labels)))]
    }

    func testBinaryGreyArchive() throws {
        let path = try write(split("train", n: 3, labels: [0, 1, 1]) + split("val", n: 1, labels: [0]) + split("test", n: 2, labels: [1, 0]))
        let set = try MedicalImageSet.npz(path)
        XCTAssertEqual(set.task, .binary)
        XCTAssertEqual(set.images.shape, [6, 1, 2, 2])
        XCTAssertEqual(set.splits["train"], [0, 1, 2]); XCTAssertEqual(set.splits["val"], [3]); XCTAssertEqual(set.splits["test"], [4, 5])
        XCTAssertEqual(set.labels, [[0, 1, 1, 0, 1, 0]])
        XCTAssertEqual(set.heads[0].kind, .binary)
        // Pixel 1 of image 0 is 17: 17 / 127.5 − 1.
        XCTAssertEqual(set.images.scalars[1], 17 / 127.5 - 1, accuracy: 1e-6)
        XCTAssertEqual(try set.sample(4).inputs[0].shape, [1, 2, 2])
    }

    func testRGBMultiLabelArchiveIsChannelFirst() throws {
        let path = try write(split("train", n: 2, rgb: true, labels: [1, 0, 0, 1], columns: 2) + split("val", n: 1, rgb: true, labels: [1, 1], columns: 2)
                             + split("test", n: 1, rgb: true, labels: [0, 0], columns: 2), compress: false)
        let set = try MedicalImageSet.npz(path)
        XCTAssertEqual(set.task, .multiLabel)
        XCTAssertEqual(set.images.shape, [4, 3, 2, 2])
        XCTAssertEqual(set.labels, [[1, 0, 1, 0], [0, 1, 1, 0]])
        // Channel 1 (green) of pixel 0, image 0, is interleaved byte 1: 17.
        XCTAssertEqual(set.images.scalars[4], 17 / 127.5 - 1, accuracy: 1e-6)
    }

    func testInconsistentArchivesAreClearErrors() throws {
        let missing = try write(split("train", n: 2, labels: [0, 1]) + split("val", n: 1, labels: [0]))
        XCTAssertThrowsError(try MedicalImageSet.npz(missing)) { e in
            XCTAssertEqual((e as? ReticleError)?.file, missing)
            XCTAssertTrue("\(e)".contains("no array \"test_images\""), "\(e)")
        }
        var bad = split("train", n: 2, labels: [0, 1]) + split("val", n: 1, labels: [0]) + split("test", n: 1, labels: [1])
        bad[5] = ("test_labels", NpyArray(dtype: .uint8, shape: [2, 1], data: Data([0, 1])))
        let lying = try write(bad)
        XCTAssertThrowsError(try MedicalImageSet.npz(lying)) { e in XCTAssertTrue("\(e)".contains("\"test_labels\" has shape [2, 1] for 1 images"), "\(e)") }
    }
}
