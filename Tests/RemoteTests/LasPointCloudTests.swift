// LAS reader: every corpus file against laspy (header, counts, bounds, first points, sums), and
// hostile files (truncated, lying counts and offsets, bad magic) that must fail naming the file.

import Foundation
import Remote
import Shared
import TestSupport
import XCTest

final class LasPointCloudTests: XCTestCase {
    func testEveryCorpusFileMatchesLaspy() throws {
        guard let files = Corpus.files(in: "lidar") else { throw XCTSkip(Corpus.missing("lidar/x")) }
        XCTAssertFalse(files.isEmpty)
        for path in files {
            let rel = "lidar/" + URL(fileURLWithPath: path).lastPathComponent
            let e = try RemoteFixture.expected(rel)
            let las = try LasPointCloud(path: path)
            let h = las.header
            XCTAssertEqual(h.version, e["version"]?.stringValue, rel)
            XCTAssertEqual(h.pointFormat, e["point_format"]?.intValue, rel)
            XCTAssertEqual(h.pointCount, e["point_count"]?.intValue, rel)
            XCTAssertEqual(h.scale, RemoteFixture.doubles(e["scales"]), rel)
            XCTAssertEqual(h.offset.map { $0 == 0 ? 0 : $0 }, RemoteFixture.doubles(e["offsets"]).map { $0 == 0 ? 0 : $0 }, rel)
            XCTAssertEqual(h.min, RemoteFixture.doubles(e["mins"]), rel)
            XCTAssertEqual(h.max, RemoteFixture.doubles(e["maxs"]), rel)
            XCTAssertEqual(las.extraDimensionNames, e["extra_dimensions"]?.arrayValue?.compactMap(\.stringValue), rel)

            let first = e["first_points_xyz"]?.arrayValue?.map { RemoteFixture.doubles($0) } ?? []
            for (i, xyz) in first.enumerated() {
                let p = las.point(i)
                XCTAssertEqual(p.x, xyz[0], accuracy: 1e-4, rel)
                XCTAssertEqual(p.y, xyz[1], accuracy: 1e-4, rel)
                XCTAssertEqual(p.z, xyz[2], accuracy: 1e-4, rel)
            }
            let all = las.readAll()
            XCTAssertEqual(all.count, h.pointCount)
            XCTAssertEqual(all.intensity.reduce(0) { $0 + Int($1) }, e["intensity_sum"]?.intValue, rel)
            var counts: [String: Int] = [:]
            for c in all.classification { counts[String(c), default: 0] += 1 }
            let expectedCounts = e["classification_counts"]?.objectValue.map { o in
                Dictionary(uniqueKeysWithValues: o.map { ($0.key, $0.value.intValue ?? -1) })
            }
            XCTAssertEqual(counts, expectedCounts, rel)
            if let last = all.x.indices.last {
                let p = las.point(last)
                XCTAssertEqual([p.x, p.y, p.z], [all.x[last], all.y[last], all.z[last]])
                XCTAssertEqual(p.classification, all.classification[last])
            }
        }
    }

    func testEVLRsAreListed() throws {
        let las = try LasPointCloud(path: try RemoteFixture.corpus("lidar/1_4_w_evlr.las"))
        XCTAssertGreaterThan(las.header.evlrCount, 0)
        XCTAssertEqual(las.evlrs.count, las.header.evlrCount)
        XCTAssertTrue(las.evlrs.allSatisfy(\.isExtended))
        let o = try LasInspector().inspect(path: try RemoteFixture.corpus("lidar/1_4_w_evlr.las"), options: InspectOptions())
        XCTAssertEqual(o["evlrs"]?.arrayValue?.count, las.header.evlrCount)
        let gps = las.point(0).gpsTime
        XCTAssertNotNil(gps)
    }

    /// Patches little-endian integers into a copy of a corpus file.
    static func patched(_ bytes: [UInt8], _ offset: Int, _ value: UInt64, width: Int) -> [UInt8] {
        var b = bytes
        for i in 0..<width { b[offset + i] = UInt8((value >> (8 * UInt64(i))) & 0xFF) }
        return b
    }

    func testHostileFilesFailCleanly() throws {
        let dir = makeTemporaryDirectory("las-hostile")
        defer { try? FileManager.default.removeItem(at: dir) }
        let simple = [UInt8](FileManager.default.contents(atPath: try RemoteFixture.corpus("lidar/simple.las"))!)
        let v14 = [UInt8](FileManager.default.contents(atPath: try RemoteFixture.corpus("lidar/1_4_w_evlr.las"))!)
        let cases: [(String, [UInt8])] = [
            ("truncated.las", Array(simple.prefix(simple.count - 100))),
            ("tinyheader.las", Array(simple.prefix(100))),
            ("magic.las", Self.patched(simple, 0, 0x4641_4C58, width: 4)),
            ("morepoints.las", Self.patched(simple, 107, 2_000_000, width: 4)),
            ("offset.las", Self.patched(simple, 96, 0xFFFF_FF00, width: 4)),
            ("shortrecord.las", Self.patched(simple, 105, 10, width: 2)),
            ("format.las", Self.patched(simple, 104, 11, width: 1)),
            ("laz.las", Self.patched(simple, 104, 0x83, width: 1)),
            ("version.las", Self.patched(simple, 25, 9, width: 1)),
            ("vlrs.las", Self.patched(simple, 100, 5000, width: 4)),
            ("count64.las", Self.patched(v14, 247, 1 << 40, width: 8)),
            ("evlr.las", Self.patched(v14, 235, UInt64(v14.count - 10), width: 8)),
            ("evlrcount.las", Self.patched(v14, 243, 1000, width: 4)),
            ("headersize.las", Self.patched(v14, 94, 0xFFFF, width: 2)),
        ]
        for (name, bytes) in cases {
            let path = RemoteFixture.write(bytes, name: name, in: dir)
            RemoteFixture.assertFails(naming: name, { _ = try LasPointCloud(path: path) }, name)
            if name != "magic.las" {
                RemoteFixture.assertFails(naming: name, { _ = try InspectorRegistry(Remote.inspectors).inspect(path: path) }, name)
            }
        }
    }
}
