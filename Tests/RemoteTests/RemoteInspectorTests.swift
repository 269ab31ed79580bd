// The Remote inspectors through the registry `reticle inspect` uses: every hsi/ and lidar/ corpus
// file is recognised and described (kind and format first) or refused with a message naming it.

import Foundation
import Remote
import Shared
import TestSupport
import XCTest

final class RemoteInspectorTests: XCTestCase {
    func testEveryCorpusFileInspectsOrFailsCleanly() throws {
        guard let hsi = Corpus.files(in: "hsi"), let lidar = Corpus.files(in: "lidar") else {
            throw XCTSkip(Corpus.missing("hsi/x"))
        }
        let registry = InspectorRegistry(Remote.inspectors)
        for path in hsi + lidar {
            let o = try registry.inspect(path: path)
            XCTAssertEqual(Array(o.keys.prefix(2)), ["kind", "format"], path)
            XCTAssertEqual(o["kind"]?.stringValue, path.contains("/lidar/") ? "lidar" : "hyperspectral", path)
        }
        let fenix = try registry.inspect(path: try RemoteFixture.corpus("hsi/fenix_Radiometric_8x2_1x1.hdr"))
        XCTAssertEqual(fenix["bands"]?.intValue, 363)
        XCTAssertEqual(fenix["data_type"]?.stringValue, "float32")
        let vi = try registry.inspect(path: try RemoteFixture.corpus("hsi/a_hsi_img_for_VI_demo.mat"))
        XCTAssertEqual(vi["cube_variable"]?.stringValue, "hsi_img")
        XCTAssertEqual(vi["bands"]?.intValue, 224)
        let las = try registry.inspect(path: try RemoteFixture.corpus("lidar/autzen.las"))
        XCTAssertEqual(las["point_count"]?.intValue, 106)
        XCTAssertEqual(las["format"]?.stringValue, "LAS 1.2")
    }

    func testUnrelatedFilesAreNotClaimed() throws {
        let dir = makeTemporaryDirectory("remote-inspect")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = RemoteFixture.write(Array("hello, not a cube".utf8), name: "note.txt", in: dir)
        let header = try FileHeader.read(path: path, count: 4096)
        for inspector in Remote.inspectors {
            XCTAssertFalse(inspector.recognizes(path: path, header: header), inspector.kind)
        }
        XCTAssertEqual(Remote.inspectorKinds, ["lidar", "hyperspectral", "hyperspectral", "geotiff"])
    }
}
