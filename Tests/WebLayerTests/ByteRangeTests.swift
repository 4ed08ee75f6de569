import XCTest
@testable import WebLayer

final class ByteRangeTests: XCTestCase {
    func testTheFormsAVideoElementSends() throws {
        XCTAssertEqual(try ByteRange.parse("bytes=0-", length: 1000), ByteRange(lowerBound: 0, upperBound: 999))
        XCTAssertEqual(try ByteRange.parse("bytes=100-199", length: 1000), ByteRange(lowerBound: 100, upperBound: 199))
        XCTAssertEqual(try ByteRange.parse("bytes=900-5000", length: 1000), ByteRange(lowerBound: 900, upperBound: 999))
        XCTAssertEqual(try ByteRange.parse("bytes=-100", length: 1000), ByteRange(lowerBound: 900, upperBound: 999))
        XCTAssertEqual(try ByteRange.parse("bytes=0-9, 20-29", length: 1000)?.count, 10)
        XCTAssertEqual(ByteRange(lowerBound: 100, upperBound: 199).contentRangeHeader(length: 1000), "bytes 100-199/1000")
    }

    func testNoOrUnusableHeaderMeansTheWholeResource() throws {
        XCTAssertNil(try ByteRange.parse(nil, length: 10))
        XCTAssertNil(try ByteRange.parse("items=0-1", length: 10))
        XCTAssertNil(try ByteRange.parse("bytes=a-b", length: 10))
    }

    func testRangesOutsideTheResourceAre416() {
        for header in ["bytes=1000-", "bytes=5-2", "bytes=-0"] {
            XCTAssertThrowsError(try ByteRange.parse(header, length: 1000), header) { error in
                XCTAssertEqual((error as? APIError)?.status, .rangeNotSatisfiable)
            }
        }
    }
}
