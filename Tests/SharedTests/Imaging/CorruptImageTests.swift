// Bad input never crashes and always names the file: truncated files of every format,
// garbage behind a real signature, headers that lie about their size. The cases are data.

import Foundation
import Shared
import TestSupport
import XCTest

final class CorruptImageTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = makeTemporaryDirectory("corrupt") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// A good file of each format written from a noisy pattern (so it does not compress to nothing).
    private func good(_ ext: String, options: ImageWriteOptions = ImageWriteOptions()) throws -> String {
        let image = ImagingFixtures.pattern(width: 64, height: 48, channels: 3, type: .uint8, seed: 99)
        let p = dir.appendingPathComponent("good-\(UUID().uuidString).\(ext)").path
        try ImageFile.write(image, to: p, options: options)
        return p
    }

    private func assertFailsCleanly(_ path: String, _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ImageFile.read(path: path), label, file: file, line: line) { error in
            guard let e = error as? ReticleError else {
                return XCTFail("\(label): not a ReticleError: \(error)", file: file, line: line)
            }
            XCTAssertEqual(e.file, path, label, file: file, line: line)
            XCTAssertFalse(e.reason.isEmpty, label, file: file, line: line)
            XCTAssertTrue(e.description.hasPrefix(path), label, file: file, line: line)
        }
    }

    func testTruncatedFilesOfEveryFormat() throws {
        let cases: [(String, ImageWriteOptions)] = [
            ("png", ImageWriteOptions()), ("jpg", ImageWriteOptions()), ("bmp", ImageWriteOptions()),
            ("tif", ImageWriteOptions(tiffCompression: .none)), ("tif", ImageWriteOptions(tiffCompression: .deflate)),
            ("tif", ImageWriteOptions(tiffCompression: .lzw, tiffTileSize: 16)),
        ]
        for (ext, options) in cases {
            let source = try good(ext, options: options)
            for fraction in [0.02, 0.3, 0.6, 0.95] {
                let cut = ImagingFixtures.truncated(source, fraction: fraction, name: "cut-\(fraction)-\(UUID().uuidString).\(ext)", in: dir)
                assertFailsCleanly(cut, "\(ext) \(options.tiffCompression) cut at \(fraction)")
            }
        }
    }

    func testTruncatedCorpusTIFF() throws {
        // GDAL writes the directory first, so a cut leaves a readable header and missing strips.
        guard let path = Corpus.path("geotiff/RGB.byte.tif") else { throw XCTSkip(Corpus.missing("geotiff/RGB.byte.tif")) }
        let cut = ImagingFixtures.truncated(path, fraction: 0.5, name: "half.tif", in: dir)
        assertFailsCleanly(cut, "RGB.byte.tif cut in half")
    }

    func testTIFFStripBeyondTheEndOfTheFile() {
        var tiff = TinyTIFF(width: 16, height: 16, bitsPerSample: [8], photometric: 1,
                            planes: [[UInt8](repeating: 9, count: 256)])
        tiff.stripOffsets = [1_000_000]
        let p = tiff.write(name: "far.tif", in: dir)
        XCTAssertNoThrow(try ImageFile.info(path: p), "the header alone is fine")
        assertFailsCleanly(p, "strip beyond the end")
    }

    func testConcurrentReadsKeepTheirOwnErrors() throws {
        // libtiff's messages are per handle: threads reading good and bad files must not mix them.
        let good = try good("tif")
        let bad = ImagingFixtures.truncated(good, fraction: 0.5, name: "half.tif", in: dir)
        let expected = try ImageFile.read(path: good)
        let results = UnsafeMutableBufferPointer<String>.allocate(capacity: 32)
        results.initialize(repeating: "")
        defer { results.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 32) { i in
            do {
                let image = try ImageFile.read(path: i % 2 == 0 ? good : bad)
                results[i] = image == expected ? "ok" : "wrong pixels"
            } catch {
                results[i] = (error as? ReticleError)?.file == bad ? "bad" : "wrong error: \(error)"
            }
        }
        for i in 0..<32 { XCTAssertEqual(results[i], i % 2 == 0 ? "ok" : "bad", "read \(i)") }
    }

    func testGarbageBehindSignatures() {
        var rng = SeededRandom(seed: 5)
        let noise = (0..<2000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let signatures: [(String, [UInt8])] = [
            ("png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), ("jpg", [0xFF, 0xD8, 0xFF]),
            ("tif", [0x49, 0x49, 0x2A, 0x00]), ("tif", [0x4D, 0x4D, 0x00, 0x2A]), ("bmp", [0x42, 0x4D]),
        ]
        for (ext, magic) in signatures {
            let p = ImagingFixtures.write(magic + noise, name: "garbage-\(magic.count).\(ext)", in: dir)
            assertFailsCleanly(p, "garbage \(ext)")
            XCTAssertThrowsError(try ImageFile.info(path: p))
        }
    }

    func testHeadersThatLieAboutTheirSize() throws {
        func bmp(width: Int32, height: Int32, bits: UInt16) -> [UInt8] {
            func u32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(v >> (8 * $0) & 0xFF) } }
            var d: [UInt8] = [0x42, 0x4D] + u32(200) + u32(0) + u32(54)
            d += u32(40) + u32(UInt32(bitPattern: width)) + u32(UInt32(bitPattern: height))
            d += [1, 0, UInt8(bits), 0] + u32(0) + u32(0) + u32(2835) + u32(2835) + u32(0) + u32(0)
            return d + [UInt8](repeating: 7, count: 146)
        }
        for (name, bytes) in [("huge.bmp", bmp(width: 100_000, height: 100_000, bits: 24)),
                              ("short.bmp", bmp(width: 1000, height: 1000, bits: 24)),
                              ("negative.bmp", bmp(width: -5, height: 10, bits: 24)),
                              ("zero.bmp", bmp(width: 0, height: 10, bits: 8))] {
            let p = ImagingFixtures.write(bytes, name: name, in: dir)
            assertFailsCleanly(p, name)
            XCTAssertThrowsError(try ImageFile.info(path: p), name)
        }
        // A PNG header claiming 20000×20000 RGB (under the sample cap) in a 100-byte file.
        let pngPath = try good("png")
        var png = [UInt8](FileManager.default.contents(atPath: pngPath)!)
        png.replaceSubrange(16..<24, with: [0, 0, 0x4E, 0x20, 0, 0, 0x4E, 0x20])
        let crc = crc32(Array(png[12..<29]))
        png.replaceSubrange(29..<33, with: [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)])
        assertFailsCleanly(ImagingFixtures.write(Array(png.prefix(100)), name: "liar.png", in: dir), "PNG size lie")
    }

    func testSeededMutationsNeverCrash() throws {
        // Random bytes changed (mostly in the headers) and random cuts: each read either
        // succeeds or throws a ReticleError naming the file. A larger run of this found one overflow.
        var rng = SeededRandom(seed: 42)
        let sources = try [("png", ImageWriteOptions()), ("jpg", ImageWriteOptions()), ("bmp", ImageWriteOptions()),
                           ("tif", ImageWriteOptions(tiffCompression: .lzw, tiffTileSize: 16)),
                           ("tif", ImageWriteOptions(tiffCompression: .jpeg))].map { try good($0.0, options: $0.1) }
        for source in sources {
            let original = [UInt8](FileManager.default.contents(atPath: source)!)
            for k in 0..<40 {
                var bytes = original
                for _ in 0...(rng.next() % 8) {
                    let span = k % 2 == 0 ? min(bytes.count, 300) : bytes.count
                    bytes[Int(rng.next() % UInt64(span))] = UInt8(truncatingIfNeeded: rng.next())
                }
                if k % 5 == 0 { bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count)))) }
                let p = ImagingFixtures.write(bytes, name: "m\(k).\((source as NSString).pathExtension)", in: dir)
                do {
                    _ = try ImageFile.info(path: p)
                    _ = try ImageFile.read(path: p)
                } catch let e as ReticleError {
                    XCTAssertEqual(e.file, p)
                }
            }
        }
    }

    func testEmptyUnknownAndMissingFiles() {
        assertFailsCleanly(ImagingFixtures.write([], name: "empty.png", in: dir), "empty")
        assertFailsCleanly(ImagingFixtures.write(Array("hello, world".utf8), name: "text.png", in: dir), "text")
        assertFailsCleanly(dir.appendingPathComponent("absent.tif").path, "absent")
    }

    private func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return ~c
    }
}
