import ProctorModel
import XCTest

final class AnalysisFeedTests: XCTestCase {
    /// Detectors see the camera's shape: never stretched to the analysis box.
    func testAnalysisSizeKeepsTheCameraAspect() {
        let box = AnalysisRequest(width: 320, height: 240, framesPerSecond: 1)
        XCTAssertTrue(box.fitted(sourceWidth: 640, sourceHeight: 480) == (320, 240))
        XCTAssertTrue(box.fitted(sourceWidth: 1280, sourceHeight: 720) == (320, 180))
        XCTAssertTrue(box.fitted(sourceWidth: 480, sourceHeight: 640) == (180, 240))
        XCTAssertTrue(box.fitted(sourceWidth: 1920, sourceHeight: 1080) == (320, 180))
    }
}
