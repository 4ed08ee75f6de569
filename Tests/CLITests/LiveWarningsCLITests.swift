import Foundation
import XCTest
@testable import Seal

/// The session's own live warnings through the real binary: a muted microphone (digital
/// silence through ALSA's file plugin reading /dev/zero) is told to the student on the terminal
/// once `mic.silent` opens, and sealed as `warning.shown` (info) with the kind as subject.
final class LiveWarningsCLITests: XCTestCase {
    func testASilentMicrophoneIsToldAndSealedAsWarningShown() throws {
        let kit = try RecordingSessionKit(camera: false)
        defer { kit.remove() }
        let asoundrc = """
        pcm.muted {
            type file
            slave.pcm { type null }
            file "/dev/null"
            infile "/dev/zero"
            format "raw"
        }
        """
        try asoundrc.write(to: kit.directory.appendingPathComponent(".asoundrc"), atomically: true, encoding: .utf8)
        let run = try ProctorBinary.run(["begin", "--exam", kit.examURL.path, "--student", "s1", "--camera", "none", "--mic", "alsa:muted",
                                         "--screen", "none", "--duration", "6", "--accept", "--no-browser"], environment: kit.environment)
        XCTAssertEqual(run.status, 0, run.stderr)
        let message = "Your microphone records silence: check that it is not muted or unplugged."
        XCTAssertTrue(run.stderr.contains("proctor: " + message + "\n"), run.stderr)
        let events = try kit.read(try XCTUnwrap(kit.bundles.first)).records.filter { $0.type == .timeline }
            .map { try RecordingRecords.decodeTimeline(try XCTUnwrap($0.payload)) }
        let shown = events.filter { $0.kind == "warning.shown" }
        XCTAssertEqual(shown.map(\.subject), ["mic.silent"], "once: at most once a minute")
        XCTAssertEqual(shown.first?.detector, "session")
        XCTAssertEqual(shown.first?.severity, .info)
        let opened = try XCTUnwrap(events.first { $0.kind == "mic.silent" && $0.isOpen })
        XCTAssertEqual(try XCTUnwrap(shown.first?.start), opened.start + (opened.measured["secondsSoFar"] ?? -1), accuracy: 0.001,
                       "told when the condition opened")
        XCTAssertEqual(try XCTUnwrap(shown.first?.start), 3, accuracy: 1, "3 s of silence")
        XCTAssertEqual(shown.first?.message, message)
    }
}
