import ProctorModel
import XCTest
@testable import Detect

/// The exposure line's light reading, from the face detector's own light rules.
final class ExposureCheckTests: XCTestCase {
    private func flat(_ level: UInt8) -> AnalysisImage {
        AnalysisImage(width: 448, height: 252, format: .gray8, pixels: .init(repeating: level, count: 448 * 252), time: 0)
    }

    func testTheLightReadingNamesTheCause() {
        let check = ExposureCheck()
        XCTAssertEqual(check.light(flat(5)).line, "black picture (camera covered?)")
        XCTAssertEqual(check.light(flat(30)).line, "too dark")
        XCTAssertFalse(check.light(flat(30)).pictureOK)
        XCTAssertEqual(check.light(flat(128)).line, "picture OK")
        XCTAssertTrue(check.light(flat(128)).pictureOK)
    }

    func testTheLineNamesTheFacesFound() {
        XCTAssertEqual(ExposureCheck.Reading(faces: 0, picture: "too dark", pictureOK: false).line, "no face found · too dark")
        XCTAssertEqual(ExposureCheck.Reading(faces: 1, picture: "picture OK", pictureOK: true).line, "face found · picture OK")
        XCTAssertEqual(ExposureCheck.Reading(faces: 2, picture: "picture OK", pictureOK: true).line, "2 faces found · picture OK")
    }
}
