import Foundation
@testable import Shared
import XCTest

final class JSONValueTests: XCTestCase {
    func testRoundTripKeepsKeyOrderAndValues() throws {
        let text = #"{"z":1,"a":[true,false,null],"m":{"s":"tab\there \"q\" é ☃","n":-2.5e-3},"big":12345678901}"#
        let v = try JSONValue.parse(text)
        XCTAssertEqual(v.objectValue?.keys, ["z", "a", "m", "big"])
        XCTAssertEqual(v["m"]?["s"]?.stringValue, "tab\there \"q\" é ☃")
        XCTAssertEqual(v["m"]?["n"]?.doubleValue, -0.0025)
        XCTAssertEqual(v["big"]?.intValue, 12_345_678_901)
        XCTAssertEqual(v.serialized(), #"{"z":1,"a":[true,false,null],"m":{"s":"tab\there \"q\" é ☃","n":-0.0025},"big":12345678901}"#)
        XCTAssertEqual(try JSONValue.parse(v.serialized(pretty: true)), v)
    }

    func testEscapesAndSurrogates() throws {
        XCTAssertEqual(try JSONValue.parse(#""\u00e9\ud83d\ude00\n""#).stringValue, "é😀\n")
        XCTAssertEqual(JSONValue.string("\u{1}").serialized(), #""\u0001""#)
        XCTAssertEqual(JSONValue.number(.nan).serialized(), "null")
        // Found by the item-record fuzz target: a high surrogate followed by another high one
        // overflowed the pairing arithmetic. Unpaired surrogates become U+FFFD, the next escape stands.
        XCTAssertEqual(try JSONValue.parse(#""\uDaaa\uDaaa""#).stringValue, "\u{FFFD}\u{FFFD}")
        XCTAssertEqual(try JSONValue.parse(#""\ud83d\u0041\ude00""#).stringValue, "\u{FFFD}A\u{FFFD}")
    }

    func testPythonNonFiniteNumbersLoad() throws {
        let v = try JSONValue.parse(#"{"a": NaN, "b": -Infinity, "c": Infinity}"#)
        XCTAssertTrue(v["a"]!.doubleValue!.isNaN)
        XCTAssertEqual(v["b"]?.doubleValue, -.infinity)
        XCTAssertEqual(v["c"]?.doubleValue, .infinity)
        XCTAssertEqual(v.serialized(), #"{"a":null,"b":null,"c":null}"#, "output stays strict JSON")
    }

    func testMalformedInputFailsWithOffset() {
        for bad in ["", "{", "[1,", #"{"a" 1}"#, "tru", "1 2", #""abc"#, "Nan", "-Inf", "[" + String(repeating: "[", count: 600)] {
            XCTAssertThrowsError(try JSONValue.parse(bad), bad) { e in
                XCTAssertTrue(e is JSONParseError, "\(bad): \(e)")
            }
        }
    }

    func testObjectReplacementKeepsPosition() {
        var o: JSONObject = ["a": 1, "b": 2]
        o["a"] = 3
        o["c"] = 4
        o["b"] = nil
        XCTAssertEqual(o.keys, ["a", "c"])
        XCTAssertEqual(o["a"], 3)
    }

    func testCSVQuotingAndFlattening() {
        let r = ItemRecord(id: "x", file: "d/x.tif", status: .ok, inputHash: "h", settingsHash: "s",
                           elapsedSeconds: 0, finishedAt: "",
                           result: ["note": "a, \"b\"\nc", "cal": ["um": 0.5, "source": "flag"], "levels": [1, 2]])
        XCTAssertEqual(ResultTables.csv([r]), "id,file,status,error,note,cal.um,cal.source,levels\nx,d/x.tif,ok,,\"a, \"\"b\"\"\nc\",0.5,flag,\"[1,2]\"\n")
    }

    func testPlainTextRendering() {
        let o: JSONObject = ["kind": "slide", "levels": [["level": 0, "width": 10]], "cal": ["um": 0.499], "ok": true]
        XCTAssertEqual(PlainText.render(o), "kind: slide\nlevels:\n  - level=0, width=10\ncal:\n  um: 0.499\nok: yes\n")
    }
}
