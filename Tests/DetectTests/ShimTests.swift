import Detect
import XCTest

final class ShimTests: XCTestCase {
    func testShimReportsInstalledDlibVersion() throws {
        // Debian 12 ships dlib 19.24; the shim must be built against the headers installed.
        XCTAssertTrue(DetectModule.dlibVersion.hasPrefix("19."), DetectModule.dlibVersion)
    }
}
