// report.html: review queue first, every text escaped, overlays linked relatively, charts inline.

import XCTest
@testable import Shared

final class HTMLReportTests: XCTestCase {
    func testReviewFirstEscapedAndSelfContained() {
        let report = HTMLReport(
            title: "T <x>",
            distributions: [HTMLReport.Distribution(title: "Type", counts: [("a&b", 2)])],
            rows: [HTMLReport.Row(file: "ok.tif", ok: true, needsReview: false, cells: [("type", "martensite")], thumbnail: "overlays/a.png"),
                   HTMLReport.Row(file: "<script>.tif", ok: true, needsReview: true, reasons: ["low \"confidence\""],
                                  overlay: "overlays/b-gradcam.png")])
        let html = report.html
        XCTAssertFalse(html.contains("<script>"))
        XCTAssertTrue(html.contains("&lt;script&gt;.tif"))
        XCTAssertTrue(html.contains("a&amp;b"))
        XCTAssertTrue(html.contains("<svg"))
        XCTAssertTrue(html.contains("src=\"overlays/b-gradcam.png\""))
        let review = html.range(of: "&lt;script&gt;.tif")!.lowerBound, ok = html.range(of: ">ok.tif<")!.lowerBound
        XCTAssertLessThan(review, ok)
    }
}
