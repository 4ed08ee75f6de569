@testable import Encode
import XCTest

final class AnalysisFeedTests: XCTestCase {
    /// Detectors see the camera's shape: never stretched to the analysis box.
    func testAnalysisSizeKeepsTheCameraAspect() {
        let box = (width: 320, height: 240)
        XCTAssertTrue(AnalysisFeed.fitted(width: 640, height: 480, into: box) == (320, 240))
        XCTAssertTrue(AnalysisFeed.fitted(width: 1280, height: 720, into: box) == (320, 180))
        XCTAssertTrue(AnalysisFeed.fitted(width: 480, height: 640, into: box) == (180, 240))
        XCTAssertTrue(AnalysisFeed.fitted(width: 1920, height: 1080, into: box) == (320, 180))
    }
}
