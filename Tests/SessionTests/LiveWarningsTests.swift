import ProctorModel
import XCTest
@testable import Session

/// The warnings a student sees while recording: from a second face and a silent microphone as
/// their conditions open, from the session for low disk, each at most once a minute, always
/// sealed as `warning.shown` (info).
final class LiveWarningsTests: XCTestCase {
    private func opened(_ kind: String, at time: Double, detector: String) -> TimelineEvent {
        TimelineEvent(kind: kind, detector: detector, severity: .flag, start: time - 3, measured: ["faces": 2, "secondsSoFar": 3],
                      message: "opened", open: true)
    }

    func testASecondFaceAndASilentMicrophoneWarnWhenTheirConditionOpensAtMostOnceAMinute() {
        let warnings = LiveWarnings()
        let first = warnings.process(opened("face.multiple", at: 10, detector: "faces"))
        XCTAssertEqual(first.map(\.kind), ["face.multiple", "warning.shown"])
        XCTAssertEqual(first[1].severity, .info)
        XCTAssertEqual(first[1].subject, "face.multiple")
        XCTAssertEqual(first[1].start, 10, "when the condition opened, not when it began")
        XCTAssertEqual(first[1].message, "More than one face is visible: only you should be in front of the camera.")
        XCTAssertEqual(first[1].measured, ["faces": 2, "secondsSoFar": 3])
        XCTAssertEqual(warnings.process(opened("face.multiple", at: 69.9, detector: "faces")).map(\.kind), ["face.multiple"])
        XCTAssertEqual(warnings.process(opened("face.multiple", at: 70, detector: "faces")).map(\.kind), ["face.multiple", "warning.shown"])
        // Each kind has its own minute.
        XCTAssertEqual(warnings.process(opened("mic.silent", at: 71, detector: "audio")).map(\.subject), [nil, "mic.silent"])
    }

    func testClosingEventsAndOtherKindsPassUnchanged() {
        let warnings = LiveWarnings()
        var closed = opened("face.multiple", at: 10, detector: "faces")
        closed.open = nil
        closed.end = 14
        XCTAssertEqual(warnings.process(closed), [closed])
        let gaze = opened("gaze.away", at: 10, detector: "faces")
        XCTAssertEqual(warnings.process(gaze), [gaze])
    }

    func testADetectorsOwnWarningPassesAndTheSessionsLowDiskWarningIsLimitedToo() {
        let warnings = LiveWarnings()
        let face = TimelineEvent(kind: "warning.shown", detector: "faces", severity: .info, start: 5,
                                 message: "Your face is not visible — too dark: turn on a light in front of you.", subject: "dark")
        XCTAssertEqual(warnings.process(face), [face])
        let disk = warnings.warning("disk.low", at: 20, measured: ["freeBytes": 1e8], "Only 100 MB left.")
        XCTAssertEqual(disk?.kind, EventKind.warningShown.kind)
        XCTAssertEqual(disk?.detector, "session")
        XCTAssertEqual(disk?.subject, "disk.low")
        XCTAssertNil(warnings.warning("disk.low", at: 50, "Only 90 MB left."))
        XCTAssertNotNil(warnings.warning("disk.low", at: 80, "Only 80 MB left."))
    }

    func testWarningShownIsInformationalAndNeverAFlaggableSetting() {
        XCTAssertEqual(EventKind.informational.map(\.kind), ["warning.shown"])
        XCTAssertNil(EventKind.named("warning.shown"), "not configurable: not among the flaggable kinds")
        XCTAssertFalse(EventKind.catalog.contains { $0.kind == "warning.shown" })
    }
}
