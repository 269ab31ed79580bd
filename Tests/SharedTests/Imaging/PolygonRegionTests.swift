// Point in polygon with holes, area by the shoelace formula, and tile coverage by sampling.

import Foundation
import Shared
import XCTest

final class PolygonRegionTests: XCTestCase {
    // A 10 × 10 square with a 4 × 4 hole in its middle, and a concave "L".
    let frame = PolygonRegion(outline: [(0, 0), (10, 0), (10, 10), (0, 10)], holes: [[(3, 3), (7, 3), (7, 7), (3, 7)]])
    let ell = PolygonRegion(outline: [(0, 0), (4, 0), (4, 1), (1, 1), (1, 4), (0, 4), (0, 0)])

    func testInsideOutsideAndHoles() {
        XCTAssertTrue(frame.contains(x: 1, y: 1))
        XCTAssertTrue(frame.contains(x: 9.5, y: 5))
        XCTAssertFalse(frame.contains(x: 5, y: 5))  // in the hole
        XCTAssertFalse(frame.contains(x: 11, y: 5))
        XCTAssertFalse(frame.contains(x: -0.5, y: 5))
        XCTAssertTrue(ell.contains(x: 0.5, y: 3.5))
        XCTAssertTrue(ell.contains(x: 3.5, y: 0.5))
        XCTAssertFalse(ell.contains(x: 2, y: 2))  // the notch of the L
    }

    func testAreaSubtractsHoles() {
        XCTAssertEqual(frame.area, 100 - 16, accuracy: 1e-12)
        XCTAssertEqual(ell.area, 7, accuracy: 1e-12)
    }

    func testCoverageOfRectangles() {
        XCTAssertEqual(frame.coverage(x: 0, y: 0, width: 2, height: 2), 1)
        XCTAssertEqual(frame.coverage(x: 4, y: 4, width: 2, height: 2), 0)
        // Half of this rectangle lies in the hole.
        XCTAssertEqual(frame.coverage(x: 1, y: 4, width: 4, height: 2), 0.5, accuracy: 1e-12)
    }
}
