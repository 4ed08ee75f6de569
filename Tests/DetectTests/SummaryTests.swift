@testable import Detect
import XCTest
@testable import ProctorModel

final class SummaryTests: XCTestCase {
    func flag(_ kind: String, _ start: Double, _ end: Double? = nil) -> TimelineEvent {
        TimelineEvent(kind: kind, detector: DetectorCatalog.kinds[kind] ?? "test", severity: .flag, start: start, end: end, message: kind)
    }

    func testScoreFollowsTheDocumentedFormula() {
        let events = [
            flag("face.missing", 0, 20), flag("face.missing", 10, 30),   // overlapping: 30 s, not 40
            flag("scene.change", 50), flag("scene.change", 90),
            TimelineEvent(kind: "light.insufficient", detector: "faces", severity: .coverage, start: 100, end: 200, message: "dark"),
            TimelineEvent(kind: "detector.coverage", detector: "faces", severity: .info, start: 0, end: 300,
                          measured: ["evaluatedSeconds": 200, "share": 200.0 / 300], message: "coverage"),
            TimelineEvent(kind: "detect.skipped", detector: "runner", severity: .info, start: 0, end: 300,
                          measured: ["frames": 7, "audioBlocks": 0], message: "skipped"),
        ]
        let summary = SessionSummary.compute(events: events, duration: 300, settings: DetectionSettings())
        XCTAssertEqual(summary.kinds["face.missing"]?.seconds, 30)
        XCTAssertEqual(summary.kinds["face.missing"]?.count, 2)
        XCTAssertEqual(summary.kinds["face.missing"]?.share ?? 0, 0.1, accuracy: 1e-9)
        XCTAssertEqual(summary.kinds["scene.change"]?.share ?? 0, 0.4, accuracy: 1e-9)
        XCTAssertNil(summary.kinds["light.insufficient"], "coverage never counts against the student")
        // 100 · (1 − 0.9 · 0.6) = 46
        XCTAssertEqual(summary.score, 46)
        XCTAssertEqual(summary.coverage["faces"] ?? 0, 2.0 / 3, accuracy: 1e-9)
        XCTAssertEqual(summary.framesSkipped, 7)

        // Weights from the exam: scene changes shown but not scored, face.missing doubled.
        let weighted = DetectionSettings(behaviours: ["scene.change": DetectorConfig(weight: 0), "face.missing": DetectorConfig(weight: 2)])
        XCTAssertEqual(SessionSummary.compute(events: events, duration: 300, settings: weighted).score, 19)   // 100·(1 − 0.81)
        // An exempt student is not scored on that kind at all.
        let exempt = DetectionSettings(exemptKinds: ["face.missing", "scene.change"])
        XCTAssertEqual(SessionSummary.compute(events: events, duration: 300, settings: exempt).score, 0)
    }

    func testWholeExamFlaggedScoresHundredAndNothingScoresZero() {
        XCTAssertEqual(SessionSummary.compute(events: [flag("face.multiple", 0, 600)], duration: 600, settings: DetectionSettings()).score, 100)
        XCTAssertEqual(SessionSummary.compute(events: [], duration: 600, settings: DetectionSettings()).score, 0)
    }

    func testSummaryRoundTripsThroughJSON() throws {
        let summary = SessionSummary.compute(events: [flag("audio.speech", 5, 15)], duration: 100, settings: DetectionSettings())
        let decoded = try JSONDecoder().decode(SessionSummary.self, from: JSONEncoder().encode(summary))
        XCTAssertEqual(decoded, summary)
        XCTAssertEqual(decoded.score, 10)
    }
}

final class ResumedSummaryTests: XCTestCase {
    /// A resumed session has one runner per part: coverage and skips add up over the parts.
    func testCoverageAndSkipsSumOverParts() {
        func coverage(_ start: Double, _ end: Double, _ seconds: Double) -> TimelineEvent {
            TimelineEvent(kind: "detector.coverage", detector: "faces", severity: .info, start: start, end: end,
                          measured: ["evaluatedSeconds": seconds, "share": seconds / (end - start)], message: "coverage")
        }
        func skipped(_ frames: Double) -> TimelineEvent {
            TimelineEvent(kind: "detect.skipped", detector: "runner", severity: .info, start: 0, measured: ["frames": frames], message: "skipped")
        }
        let events = [coverage(0, 200, 150), skipped(3), coverage(200, 400, 50), skipped(4)]
        let summary = SessionSummary.compute(events: events, duration: 400, settings: DetectionSettings())
        XCTAssertEqual(summary.coverage["faces"], 0.5)
        XCTAssertEqual(summary.framesSkipped, 7)
    }
}
