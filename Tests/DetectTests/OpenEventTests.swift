@testable import Detect
import XCTest
@testable import ProctorModel

/// A condition is sealed when it starts (open) and again when it ends, so a recording cut in
/// between still holds it (issue 13); readers show each condition once.
final class OpenEventTests: XCTestCase {
    private func tracker() -> ConditionTracker {
        ConditionTracker(kind: "face.missing", detector: "faces", minimumSeconds: 5, gapSeconds: 1) { seconds, _ in
            String(format: "No face for %.1f s.", seconds)
        }
    }

    func testTrackerSealsTheConditionOpenAtItsMinimumThenClosed() {
        var tracker = tracker()
        var events: [(time: Double, event: TimelineEvent)] = []
        // Samples every 0.5 s: the condition holds from 10 s to 20 s.
        for step in 0...60 {
            let time = Double(step) * 0.5
            if let event = tracker.update(at: time, holds: (10..<20).contains(time), measured: ["faces": 0]) { events.append((time, event)) }
        }
        XCTAssertEqual(events.count, 2, "\(events)")
        let open = events[0], closed = events[1]
        XCTAssertEqual(open.time, 15, "sealed the moment it has held for the minimum")
        XCTAssertEqual(open.event.open, true)
        XCTAssertNil(open.event.end)
        XCTAssertEqual(open.event.start, 10)
        XCTAssertEqual(open.event.evidenceTime, 10.5)
        XCTAssertEqual(open.event.measured["secondsSoFar"], 5)
        XCTAssertEqual(open.event.measured["faces"], 0)
        XCTAssertEqual(open.event.message, "No face for 5.0 s.")
        XCTAssertNil(closed.event.open)
        XCTAssertEqual(closed.event.start, 10)
        XCTAssertEqual(closed.event.end, 20)
        XCTAssertEqual(closed.time, 21, "closed once the break has lasted the gap")

        // Read back: the closing event supersedes the open one; without it, the open one runs to the part's end.
        let both = TimelineEvent.resolvingOpen([open.event, closed.event]) { _, _ in 30 }
        XCTAssertEqual(both, [closed.event])
        let cut = TimelineEvent.resolvingOpen([open.event]) { _, _ in 27.5 }
        XCTAssertEqual(cut.count, 1)
        XCTAssertEqual(cut.first?.end, 27.5)
        XCTAssertEqual(cut.first?.open, true)
    }

    func testShortConditionIsNeverSealed() {
        var tracker = tracker()
        let events = (0...40).compactMap { step -> TimelineEvent? in
            let time = Double(step) * 0.5
            return tracker.update(at: time, holds: (10..<13).contains(time))
        }
        XCTAssertEqual(events, [], "3 s is under the 5 s minimum: neither open nor closed")
    }

    func testSummaryCountsAnOpenConditionOnceAndToTheEndWhenItsEndIsMissing() {
        let open = TimelineEvent(kind: "face.missing", detector: "faces", severity: .flag, start: 60, message: "open", open: true)
        let closed = TimelineEvent(kind: "face.missing", detector: "faces", severity: .flag, start: 60, end: 90, message: "closed")
        let whole = SessionSummary.compute(events: [open, closed], duration: 300, settings: DetectionSettings())
        XCTAssertEqual(whole.kinds["face.missing"]?.count, 1)
        XCTAssertEqual(whole.kinds["face.missing"]?.seconds, 30)
        let cut = SessionSummary.compute(events: [open], duration: 300, settings: DetectionSettings())
        XCTAssertEqual(cut.kinds["face.missing"]?.count, 1)
        XCTAssertEqual(cut.kinds["face.missing"]?.seconds, 240, "runs to the end of the recording")
        XCTAssertEqual(cut.score, 80)
    }

    /// Bundles sealed before open events existed decode unchanged, and an open event says so.
    func testOpenFieldIsOptionalOnTheWire() throws {
        let old = #"{"kind":"face.missing","detector":"faces","severity":"flag","start":1,"end":2,"confidence":1,"measured":{},"thresholds":{},"message":"m"}"#
        let decoded = try JSONDecoder().decode(TimelineEvent.self, from: Data(old.utf8))
        XCTAssertNil(decoded.open)
        XCTAssertFalse(String(decoding: try JSONEncoder().encode(decoded), as: UTF8.self).contains("open"))
        let open = TimelineEvent(kind: "face.missing", detector: "faces", severity: .flag, start: 1, message: "m", open: true)
        XCTAssertTrue(String(decoding: try JSONEncoder().encode(open), as: UTF8.self).contains(#""open":true"#))
    }
}

extension Array where Element == TimelineEvent {
    /// What the interval tests judge: the events that close a condition, leaving out the open
    /// events every condition is first sealed as.
    var closingEvents: [TimelineEvent] { filter { !$0.isOpen } }
}
