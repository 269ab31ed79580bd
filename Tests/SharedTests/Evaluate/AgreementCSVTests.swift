// Reading round-robin label files: long and wide layouts, quoting, levels, and errors that
// name the file and line.

import Foundation
import Shared
import XCTest

final class AgreementCSVTests: XCTestCase {
    func testLongLayout() throws {
        let text = #"""
        image,rater,type,needle_class,comment
        a.tif,ann,martensite,N2,
        a.tif,bo,martensite,N10,"long, thin ""plates"""
        b.tif,ann,upper bainite,N1,
        b.tif,bo,lower bainite,,no call on needles
        b.tif,model,lower bainite,N1,

        """#
        let csv = try RatingsCSV(text: text, path: "labels.csv")
        XCTAssertEqual(csv.layout, .long)
        XCTAssertEqual(csv.images, 2)
        XCTAssertEqual(csv.raters, ["ann", "bo", "model"])
        XCTAssertEqual(csv.labels.map(\.name), ["type", "needle_class"], "the comment column is bookkeeping")
        let type = csv.labels[0].table
        XCTAssertEqual(type.categories, ["lower bainite", "martensite", "upper bainite"])
        XCTAssertEqual(type.units, ["a.tif", "b.tif"])
        let needles = csv.labels[1].table
        XCTAssertEqual(needles.categories, ["N1", "N2", "N10"], "house classes sort as read")
        XCTAssertEqual(needles.codes[1], [0, nil, 0], "bo left b.tif's needle class empty")
    }

    func testWideLayoutSemicolonsAndLevels() throws {
        let text = "\u{FEFF}image;ann;bo;model\r\na.tif;short;short;medium\r\nb.tif;long;;long\r\n"
        let csv = try RatingsCSV(text: text, path: "wide.csv",
                                 options: .init(wideLabel: "needle_class", levels: ["needle_class": ["short", "medium", "long"]]))
        XCTAssertEqual(csv.layout, .wide)
        XCTAssertEqual(csv.labels.map(\.name), ["needle_class"])
        XCTAssertEqual(csv.raters, ["ann", "bo", "model"])
        XCTAssertEqual(csv.labels[0].table.categories, ["short", "medium", "long"])
        XCTAssertEqual(csv.labels[0].table.codes, [[0, 0, 1], [2, nil, 2]])
    }

    func testMalformedFilesNameTheFileAndLine() {
        func message(_ text: String, _ options: RatingsCSV.Options = .init()) -> String {
            do {
                _ = try RatingsCSV(text: text, path: "labels.csv", options: options)
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        XCTAssertEqual(message(""), "labels.csv: is empty: expected a header line (image,rater,type,needle_class)")
        XCTAssertEqual(message("file,rater,type\na,b,c\n"), "labels.csv: line 1: no 'image' column (the header has file, rater, type)")
        XCTAssertEqual(message("image,rater,type\na,ann,m\nb,ann\n"), "labels.csv: line 3: 2 fields, the header has 3")
        XCTAssertEqual(message("image,rater,type\na,ann,m\na,ann,b\n"), "labels.csv: line 3: rater 'ann' rated image 'a' twice (also line 2)")
        XCTAssertEqual(message("image,rater\na,ann\n"), "labels.csv: line 1: no label columns: expected image,rater and one or more labels such as type,needle_class")
        XCTAssertEqual(message("image,rater,type\n"), "labels.csv: has a header but no ratings")
        XCTAssertEqual(message("image,rater,type\na,\"ann,m\n"), "labels.csv: line 2: a quoted field is never closed")
        XCTAssertEqual(message("image,rater,type,type\n"), "labels.csv: line 1: column 'type' appears twice in the header")
        XCTAssertEqual(message("image,rater,type\n,ann,m\n"), "labels.csv: line 2: the image is empty")
        XCTAssertEqual(message("image,rater,type\na,ann,huge\n", .init(levels: ["type": ["m", "b"]])),
                       "labels.csv: line 2: type 'huge' is not one of the levels m, b")
        XCTAssertEqual(message("image,rater,type\na,ann,m\n", .init(labelColumns: ["needle_class"])),
                       "labels.csv: line 1: no 'needle_class' column (the header has image, rater, type)")
        XCTAssertEqual(message("image,ann\na,x\na,y\n"), "labels.csv: line 3: image 'a' appears twice (also line 2)")
    }

    func testLineNumbersCountBreaksInsideQuotes() {
        let text = "image,rater,type\na,ann,\"two\nlines\"\nb,ann\n"
        XCTAssertThrowsError(try RatingsCSV(text: text, path: "l.csv")) { error in
            XCTAssertEqual("\(error)", "l.csv: line 4: 2 fields, the header has 3")
        }
    }
}
