import Foundation
import XCTest
@testable import Exam
@testable import ProctorModel
@testable import Seal

/// The payload layouts of docs/bundle-format.md ("Payload layouts"), byte for byte.
final class RecordingRecordsTests: XCTestCase {
    func testMediaPayloadIsVersionThenMicrosecondsThenMatroska() throws {
        let payload = [UInt8]([0x1A, 0x45, 0xDF, 0xA3]).withUnsafeBytes { RecordingRecords.media($0, mediaEnd: 2.5) }
        XCTAssertEqual(payload, [1, 0xA0, 0x25, 0x26, 0, 0, 0, 0, 0, 0x1A, 0x45, 0xDF, 0xA3], "2 500 000 µs little-endian")
        let decoded = try RecordingRecords.decodeMedia(payload)
        XCTAssertEqual(decoded.mediaEnd, 2.5)
        XCTAssertEqual(Array(decoded.matroska), [0x1A, 0x45, 0xDF, 0xA3])
        XCTAssertEqual(RecordingRecords.mediaTime(.media, payload), 2.5)
    }

    func testPhotoPayloadCarriesKindTimeAndJPEG() throws {
        let payload = RecordingRecords.photo(kind: "face", time: 0.001, jpeg: [0xFF, 0xD8, 0xFF])
        XCTAssertEqual(payload, [1, 0xE8, 0x03, 0, 0, 0, 0, 0, 0, 4] + Array("face".utf8) + [0xFF, 0xD8, 0xFF])
        let photo = try RecordingRecords.decodePhoto(payload)
        XCTAssertEqual(photo.kind, "face")
        XCTAssertEqual(photo.time, 0.001)
        XCTAssertEqual(Array(photo.jpeg), [0xFF, 0xD8, 0xFF])
    }

    func testTimelineAndMetadataAreSortedJSON() throws {
        let event = TimelineEvent(kind: "session.start", detector: "session", severity: .info, start: 0, message: "Recording started.")
        let payload = RecordingRecords.timeline(event)
        XCTAssertTrue(String(decoding: payload, as: UTF8.self).hasPrefix(#"{"confidence":1,"detector":"session""#))
        XCTAssertEqual(try RecordingRecords.decodeTimeline(payload), event)
        XCTAssertEqual(RecordingRecords.mediaTime(.timeline, payload), 0)

        let metadata = SessionMetadata(software: "proctor 0.1.0", examId: "e", examTitle: "E", studentId: "s1", part: 1, mediaOffset: 12.5,
                                       startedAt: Date(timeIntervalSince1970: 1_790_000_000), sources: ["camera": "test"],
                                       camera: "h264", screen: nil, microphone: nil, timeLimitSeconds: 60, hostname: "h")
        let bytes = RecordingRecords.metadata(metadata)
        XCTAssertTrue(String(decoding: bytes, as: UTF8.self).contains(#""startedAt":"2026-09-21T"#))
        XCTAssertEqual(try RecordingRecords.decodeMetadata(bytes), metadata)
    }

    func testUnknownLayoutVersionIsBadData() {
        XCTAssertThrowsError(try RecordingRecords.decodeMedia([2, 0, 0, 0, 0, 0, 0, 0, 0])) { error in
            XCTAssertEqual((error as? ProctorError)?.code, .badData)
        }
        XCTAssertNil(RecordingRecords.mediaTime(.media, [1, 2]))
    }
}
