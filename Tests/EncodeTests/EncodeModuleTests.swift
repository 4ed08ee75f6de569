import XCTest
import ProctorModel

final class EncodeModuleTests: XCTestCase {
    func testErrorCarriesCodeAndMessage() {
        let error = ProctorError(.deviceUnavailable, "camera /dev/video9 was not found")
        XCTAssertEqual(error.code, .deviceUnavailable)
        XCTAssertEqual(error.description, "camera /dev/video9 was not found")
    }
}
