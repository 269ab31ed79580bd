// Fingerprints of a folder (a DICOM slide given as its folder): a change to any member file, or
// a file added, changes it; hidden files and sub-folders do not.
import Foundation
@testable import Shared
import TestSupport
import XCTest

final class FileFingerprintTests: XCTestCase {
    func testFolderFingerprintFollowsItsFiles() throws {
        let dir = makeTemporaryDirectory("fingerprint")
        try Data("level 0".utf8).write(to: dir.appendingPathComponent("level-0.dcm"))
        try Data("level 1".utf8).write(to: dir.appendingPathComponent("level-1.dcm"))
        let first = try FileFingerprint.of(path: dir.path)
        XCTAssertEqual(first, "sha256-folder:" + FileFingerprint.sha256(
            "level-0.dcm=sha256:\(FileFingerprint.sha256("level 0"))\nlevel-1.dcm=sha256:\(FileFingerprint.sha256("level 1"))"))
        try Data("noise".utf8).write(to: dir.appendingPathComponent(".DS_Store"))
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: true)
        XCTAssertEqual(try FileFingerprint.of(path: dir.path), first)
        try Data("level 1, rescanned".utf8).write(to: dir.appendingPathComponent("level-1.dcm"))
        XCTAssertNotEqual(try FileFingerprint.of(path: dir.path), first)
    }
}
