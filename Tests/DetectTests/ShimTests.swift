import Detect
import XCTest
import ProctorModel

final class ShimTests: XCTestCase {
    func testShimReportsInstalledDlibVersion() throws {
        // Debian 12 ships dlib 19.24; the shim must be built against the headers installed.
        XCTAssertTrue(DetectModule.dlibVersion.hasPrefix("19."), DetectModule.dlibVersion)
    }
}

final class ModelTests: XCTestCase {
    func testMissingLandmarkModelIsAClearError() {
        XCTAssertThrowsError(try FaceModel(landmarkModel: "/nonexistent/shape_predictor_68_face_landmarks.dat")) { error in
            let detectError = error as? ProctorError
            XCTAssertEqual(detectError?.code, .missingModel)
            XCTAssertTrue(detectError?.message.contains("libdlib-data") ?? false, detectError?.message ?? "")
        }
    }

    func testDetectorRejectsColourPictureForDlib() throws {
        let model = try FaceModel(landmarkModel: nil)
        let rgb = AnalysisImage(width: 4, height: 4, format: .rgb24, pixels: [UInt8](repeating: 0, count: 48), time: 0)
        XCTAssertThrowsError(try model.detect(rgb)) { XCTAssertEqual(($0 as? ProctorError)?.code, .usage) }
    }
}
