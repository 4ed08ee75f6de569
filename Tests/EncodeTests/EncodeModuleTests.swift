@testable import Encode
import Glibc
import XCTest
import ProctorModel

/// Encode's one `check` for FFmpeg return codes (STYLE.md, "Wrapping C"): an error names the
/// call and carries FFmpeg's own message and the raw code; EAGAIN and EOF are control flow.
final class EncodeModuleTests: XCTestCase {
    /// FFmpeg's codes, as libavutil/error.h defines them: AVERROR(e) is -e on Linux, and tags
    /// are the negated little-endian four characters.
    static let averrorEAGAIN = -EAGAIN
    static let averrorEOF: Int32 = -0x2046_4F45           // FFERRTAG('E','O','F',' ')
    static let averrorInvalidData: Int32 = -0x4144_4E49   // FFERRTAG('I','N','D','A')

    func testCheckNamesTheCallAndCarriesFFmpegsMessageAndCode() throws {
        XCTAssertThrowsError(try check(-ENOENT, "avformat_open_input")) { error in
            let error = error as? ProctorError
            let text = String(cString: strerror(ENOENT))
            XCTAssertEqual(error?.code, .library)
            XCTAssertEqual(error?.message, "avformat_open_input failed: \(text)")
            XCTAssertEqual(error?.detail, "avformat_open_input returned \(-ENOENT) (\(text))")
        }
        XCTAssertThrowsError(try check(Self.averrorInvalidData, "avcodec_send_packet", as: .badData, "the recording is damaged")) { error in
            let error = error as? ProctorError
            XCTAssertEqual(error?.code, .badData, "the caller's code")
            XCTAssertEqual(error?.message, "the recording is damaged", "the caller's sentence")
            XCTAssertEqual(error?.detail, "avcodec_send_packet returned \(Self.averrorInvalidData) (Invalid data found when processing input)")
        }
    }

    func testEAGAINAndEOFAreControlFlowNotErrors() throws {
        guard case .again = try check(Self.averrorEAGAIN, "avcodec_receive_packet") else { return XCTFail("EAGAIN") }
        guard case .endOfStream = try check(Self.averrorEOF, "avcodec_receive_frame") else { return XCTFail("EOF") }
        guard case .ok(let value) = try check(7, "av_read_frame") else { return XCTFail("non-negative") }
        XCTAssertEqual(value, 7)
    }
}
