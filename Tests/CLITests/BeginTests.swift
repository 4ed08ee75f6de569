import Foundation
import XCTest
@testable import Delivery
@testable import Seal

final class BeginTests: XCTestCase {
    /// The first check, through the real binary: 20 s of test camera and microphone,
    /// sealed, decrypted, and read by ffprobe as video and audio of 20 ± 0.5 s, decoded by
    /// ffmpeg with no errors.
    func testBeginRecordsTwentySecondsThatDecryptToVideoAndAudio() throws {
        let kit = try RecordingSessionKit(faceAndIDPhotos: true)
        defer { kit.remove() }
        let run = try ProctorBinary.run(["begin", "--exam", kit.examURL.path, "--student", "s1", "--camera", "test", "--mic", "test",
                                         "--screen", "none", "--duration", "20", "--accept"], environment: kit.environment)
        XCTAssertEqual(run.status, 0, run.stderr)
        let bundle = try XCTUnwrap(kit.bundles.first)
        XCTAssertTrue(bundle.lastPathComponent.hasPrefix("s1-rec-test-"), bundle.lastPathComponent)
        let verification = BundleReader.verify(contentsOf: bundle, key: kit.key)
        XCTAssertEqual(verification.status, .intact, "\(verification.warnings)")
        XCTAssertEqual(try XCTUnwrap(verification.mediaDuration), 20, accuracy: 0.5)

        let (records, parts, _) = try kit.read(bundle)
        let media = try kit.writeTemporary(try XCTUnwrap(parts[0]), name: "part0.mkv")
        let streams = try MediaCheck.streams(media)
        XCTAssertEqual(streams.map(\.codec), ["h264", "opus"])
        XCTAssertEqual(streams[0].duration, 20, accuracy: 0.5, "video length")
        XCTAssertEqual(streams[1].duration, 20, accuracy: 0.5, "audio length")
        XCTAssertEqual(Double(streams[0].frames), 600, accuracy: 15, "30 fps for 20 s")
        XCTAssertEqual(try MediaCheck.decodeErrors(media), "")

        let photos = try records.filter { $0.type == .photo }.map { try RecordingRecords.decodePhoto(try XCTUnwrap($0.payload)) }
        XCTAssertEqual(photos.map(\.kind), ["id", "face"])
        XCTAssertEqual(Array(photos[0].jpeg.prefix(2)), [0xFF, 0xD8], "JPEG")
        let events = try records.filter { $0.type == .timeline }.map { try RecordingRecords.decodeTimeline(try XCTUnwrap($0.payload)) }
        XCTAssertEqual(events.first?.kind, "session.start")
        XCTAssertEqual(events.last?.kind, "session.end")
        XCTAssertEqual(events.last?.start ?? 0, 20, accuracy: 0.5)
        let metadata = try RecordingRecords.decodeMetadata(try XCTUnwrap(records.first { $0.type == .metadata }?.payload))
        XCTAssertEqual(metadata.sources["camera"], "test")
        XCTAssertEqual(metadata.studentId, "s1")
        let state = try SessionState.load(from: SessionState.url(forBundle: bundle))
        XCTAssertEqual(state.phase, .finished)
    }

    /// A missing camera or microphone is exit 69 with one line on stderr, before anything is
    /// recorded: not even the disclosure is shown.
    func testMissingCameraOrMicrophoneExits69BeforeAnythingIsRecorded() throws {
        let kit = try RecordingSessionKit()
        defer { kit.remove() }
        let cases = [(["--camera", "v4l2:/dev/video97", "--mic", "test"], "proctor: v4l2 device /dev/video97 was not found\n"),
                     (["--camera", "test", "--mic", "alsa:proctor_no_such_mic"], "proctor: microphone 'proctor_no_such_mic' was not found\n")]
        for (sources, message) in cases {
            let run = try ProctorBinary.run(["begin", "--exam", kit.examURL.path, "--student", "s1", "--screen", "none", "--accept"] + sources,
                                            environment: kit.environment)
            XCTAssertEqual(run.status, 69, sources.joined(separator: " "))
            XCTAssertEqual(run.stderr, message)
            XCTAssertEqual(run.stdout, "")
            XCTAssertEqual(kit.bundles, [])
        }
    }
}
