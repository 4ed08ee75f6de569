@testable import Detect
import Foundation
import XCTest
@testable import ProctorModel

final class RunnerTests: XCTestCase {
    /// Frames offered faster than dlib can look at them are skipped, counted, reported as
    /// `detect.lag` while running and totalled by `finish`; offering never waits.
    func testLaggingDetectionSkipsAndCountsFrames() throws {
        let collected = Collected()
        // Only the picture's detectors: the system check would flag this test machine's VM as
        // soon as the runner's thread gets to it, which since the model cache is within
        // milliseconds.
        let exempt: Set<String> = ["audio.speech", "audio.loud", "mic.silent", "vm.detected", "display.extra",
                                   "program.forbidden", "network.changed", "clock.jump"]
        let runner = DetectorRunner(settings: DetectionSettings(exemptKinds: exempt),
                                    options: .init(imageCapacity: 1, systemInterval: 3600, clock: { 0 }),
                                    onEvent: { collected.append($0) })
        var clip = Clip()
        clip.add("one", seconds: 20, try Scenes.oneFace())
        let frames = clip.frames()
        for frame in frames { runner.offer(frame) }
        let skippedWhileOffering = runner.skipped.frames
        let closing = runner.finish(at: clip.duration)
        let events = (collected.events + closing).closingEvents  // the closing events; each condition's open event (sealed as it starts) is checked in OpenEventTests

        // The loop offers 40 frames in microseconds while dlib needs milliseconds for one (and
        // the model longer to load): the one-frame queue overflows.
        XCTAssertGreaterThan(skippedWhileOffering, 0)
        XCTAssertLessThan(skippedWhileOffering, frames.count)
        let total = try XCTUnwrap(closing.first { $0.kind == "detect.skipped" })
        XCTAssertEqual(total.measured["frames"], Double(runner.skipped.frames))
        XCTAssertEqual(runner.skipped.frames, skippedWhileOffering, "nothing offered after the loop")
        let lagged = events.filter { $0.kind == "detect.lag" }.reduce(0) { $0 + ($1.measured["frames"] ?? 0) }
        XCTAssertLessThanOrEqual(lagged, Double(skippedWhileOffering))
        for lag in events where lag.kind == "detect.lag" {
            // The span covers the dropped frames: it never ends before it starts.
            XCTAssertGreaterThanOrEqual(try XCTUnwrap(lag.end), lag.start, "\(lag)")
        }
        XCTAssertEqual(SessionSummary.compute(events: events, duration: clip.duration, settings: DetectionSettings()).framesSkipped,
                       skippedWhileOffering)
        // One coverage record per media detector that ran.
        XCTAssertEqual(Set(closing.filter { $0.kind == "detector.coverage" }.map(\.detector)), ["faces", "camera"])
        XCTAssertFalse(events.contains { $0.severity == .flag }, "one steady face flags nothing: \(events.filter { $0.severity == .flag })")
    }

    /// Audio through the runner's thread reaches the timeline with the same times.
    func testRunnerReportsSpeechThroughOnEvent() throws {
        let collected = Collected()
        let media: Set<String> = ["face.missing", "face.multiple", "gaze.away", "camera.blocked", "camera.frozen", "scene.change"]
        let runner = DetectorRunner(settings: DetectionSettings(exemptKinds: media),
                                    options: .init(audioCapacity: 10_000, systemInterval: 3600, clock: { 0 }),
                                    onEvent: { collected.append($0) })
        var clip = SoundClip(sampleRate: 48000)
        clip.room(2)
        let start = clip.voice(try SoundClip.wav("speech_en.wav"))
        clip.room(3)
        for block in clip.blocks() { runner.offer(block) }
        let closing = runner.finish(at: clip.duration)
        let speech = (collected.events + closing).closingEvents.filter { $0.kind == "audio.speech" }
        XCTAssertEqual(speech.count, 1)
        XCTAssertEqual(speech.first?.start ?? -1, start + 0.04, accuracy: 0.5)
        XCTAssertEqual(speech.first?.end ?? -1, start + 4.66, accuracy: 0.5)
        XCTAssertEqual(closing.first { $0.kind == "detect.skipped" }?.measured["audioBlocks"], 0)
        let coverage = try XCTUnwrap(closing.first { $0.kind == "detector.coverage" && $0.detector == "audio" })
        XCTAssertEqual(coverage.measured["share"] ?? 0, 1, accuracy: 0.01)
    }
}

final class SampleScheduleTests: XCTestCase {
    func testKeepsTheAverageRateFromAnyFeed() {
        func taken(rate: Double, feed: Double, seconds: Double) -> Int {
            var schedule = SampleSchedule(rate: rate)
            return (0..<Int(seconds * feed)).filter { schedule.due(Double($0) / feed) }.count
        }
        XCTAssertEqual(taken(rate: 2, feed: 3, seconds: 30), 60)
        XCTAssertEqual(taken(rate: 2, feed: 30, seconds: 30), 60)
        XCTAssertEqual(taken(rate: 2, feed: 2, seconds: 30), 60)
        XCTAssertEqual(taken(rate: 2, feed: 1, seconds: 30), 30, "never more than the feed")
        var none = SampleSchedule(rate: 0)
        XCTAssertFalse(none.due(0))
    }

    func testRestartsAfterAGapInsteadOfBursting() {
        var schedule = SampleSchedule(rate: 2)
        XCTAssertTrue(schedule.due(0))
        XCTAssertTrue(schedule.due(10))
        XCTAssertFalse(schedule.due(10.2), "no catch-up burst after a pause")
        XCTAssertTrue(schedule.due(10.5))
    }
}

final class QuietTests: XCTestCase {
    /// During the room scan the camera is meant to move and may show nothing: not judged.
    func testNothingIsJudgedBeforeQuietUntil() throws {
        let collected = Collected()
        let cameraOnly = DetectionSettings(exemptKinds: SystemCheckTests.mediaKinds.subtracting(["camera.blocked"]))
        // Room for every frame, so none is skipped however slowly the runner's thread starts.
        let runner = DetectorRunner(settings: cameraOnly, options: .init(imageCapacity: 20, audioCapacity: 1000, systemInterval: 3600, clock: { 0 }, quietUntil: 5),
                                    onEvent: { collected.append($0) })
        for index in 0..<20 { runner.offer(Scenes.black().at(Double(index) / 2)) }
        let closing = runner.finish(at: 10)
        XCTAssertEqual(runner.skipped.frames, 0)
        let blocked = (collected.events + closing).closingEvents.filter { $0.kind == "camera.blocked" }
        XCTAssertEqual(blocked.count, 1)
        XCTAssertEqual(blocked.first?.start, 5)
        XCTAssertEqual(blocked.first?.end, 10)
        let coverage = try XCTUnwrap(closing.first { $0.kind == "detector.coverage" })
        XCTAssertEqual(coverage.start, 5, "coverage counts from the first judged frame")
        XCTAssertEqual(coverage.measured["evaluatedSeconds"], 0, "a black picture is not evaluated")
    }
}
