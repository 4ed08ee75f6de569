@testable import Detect
import Foundation
import XCTest
@testable import ProctorModel
import TestTools

/// The screen detector on synthetic 160x90 screen pictures, as the feed hands them over.
final class ScreenDetectorTests: XCTestCase {
    private static func screen(_ level: UInt8, at time: Double, mark: Int? = nil) -> AnalysisImage {
        var pixels = [UInt8](repeating: level, count: 160 * 90)
        if let mark { for x in 0..<8 { pixels[mark * 160 + x] = 200 } }  // a line of text, a moved cursor
        return AnalysisImage(width: 160, height: 90, format: .gray8, pixels: pixels, time: time, source: .screen)
    }

    private func run(_ pictures: [AnalysisImage], finishAt end: Double, throughPortal: Bool = false) throws -> [TimelineEvent] {
        var detector = try XCTUnwrap(ScreenDetector(settings: DetectionSettings(), throughPortal: throughPortal))
        var events: [TimelineEvent] = []
        for picture in pictures { events += try detector.inspect(picture) }
        return events + detector.finish(at: end)
    }

    /// Black from the first picture: raised (open) at 5 s with the warning, closed at the end.
    func testBlackStartIsBlankAtFiveSecondsWithTheWarning() throws {
        let events = try run((0...9).map { Self.screen(0, at: Double($0)) }, finishAt: 10)
        XCTAssertEqual(events.map(\.kind), ["screen.blank", "warning.shown", "screen.blank"])
        XCTAssertEqual(events[0].start, 0)
        XCTAssertEqual(events[0].end, 5)
        XCTAssertEqual(events[0].open, true)
        XCTAssertEqual(events[0].severity, .coverage)
        XCTAssertEqual(events[0].subject, "black")
        XCTAssertEqual(events[1].start, 5)
        XCTAssertEqual(events[1].severity, .info)
        XCTAssertTrue(events[1].message.hasPrefix("The screen recording is black: proctor cannot see this desktop (a Wayland session?)."))
        XCTAssertEqual(events[2].end, 10)
        XCTAssertNil(events[2].open)
    }

    /// Through the portal the screen is already the desktop's own share: the same blank start is
    /// raised at the same time, and the advice is about the share, never "use --screen portal".
    func testThroughThePortalTheWarningAdvisesOnTheShareItself() throws {
        let events = try run((0...6).map { Self.screen(90, at: Double($0)) }, finishAt: 8, throughPortal: true)
        XCTAssertEqual(events.map(\.kind), ["screen.blank", "warning.shown", "screen.blank"])
        XCTAssertEqual(events[0].subject, "unchanged")
        XCTAssertEqual(events[1].start, 5)
        XCTAssertTrue(events[1].message.hasPrefix("The screen recording has not changed since it started: if your screen did change, "
                                                  + "the desktop's screen share is not sending it."), events[1].message)
        XCTAssertTrue(events[1].message.contains("shared every monitor"), events[1].message)
        XCTAssertFalse(events[1].message.contains("--screen portal"), events[1].message)
    }

    /// A still (not black) picture for 5 s is blank too ("unchanged"); when the desktop then
    /// shows up, the interval ends there.
    func testUnchangedStartIsBlankUntilTheScreenChanges() throws {
        let pictures = (0...6).map { Self.screen(90, at: Double($0)) } + [Self.screen(90, at: 7, mark: 40)]
        let events = try run(pictures, finishAt: 9)
        XCTAssertEqual(events.map(\.kind), ["screen.blank", "warning.shown", "screen.blank"])
        XCTAssertEqual(events[0].subject, "unchanged")
        XCTAssertEqual(events[0].end, 5)
        XCTAssertEqual(events[2].start, 0)
        XCTAssertEqual(events[2].end, 7, "closed when the screen changed, not at the end")
    }

    /// Black for 3 s and then a desktop: nothing at all, and nothing judged later (the desktop
    /// may then stay still for good).
    func testScreenThatShowsUpWithinFiveSecondsRaisesNothing() throws {
        let pictures = (0...2).map { Self.screen(0, at: Double($0)) } + (3...20).map { Self.screen(60, at: Double($0), mark: 10) }
        XCTAssertEqual(try run(pictures, finishAt: 21), [])
    }

    /// Compression noise below two levels is still "unchanged"; a real change is more.
    func testNoiseBelowTwoLevelsIsUnchanged() throws {
        var pictures: [AnalysisImage] = []
        for second in 0...5 {
            var pixels = [UInt8](repeating: 120, count: 160 * 90)
            for index in stride(from: second, to: pixels.count, by: 7) { pixels[index] = 122 }
            pictures.append(AnalysisImage(width: 160, height: 90, format: .gray8, pixels: pixels, time: Double(second), source: .screen))
        }
        XCTAssertEqual(try run(pictures, finishAt: 6).map(\.subject), ["unchanged", "unchanged", "unchanged"])
    }

    /// No picture at all: ticks alone raise it, from the first tick; a clock that starts again
    /// (the recorder's clock restarts at `start`) restarts the wait.
    func testNoPicturesAtAllIsBlank() throws {
        var detector = try XCTUnwrap(ScreenDetector(settings: DetectionSettings()))
        XCTAssertEqual(detector.tick(at: 40), [])
        XCTAssertEqual(detector.tick(at: 0), [], "the clock restarted")
        XCTAssertEqual(detector.tick(at: 4), [])
        let events = detector.tick(at: 5)
        XCTAssertEqual(events.map(\.kind), ["screen.blank", "warning.shown"])
        XCTAssertEqual(events[0].subject, "noFrames")
        XCTAssertEqual(events[0].start, 0)
        XCTAssertEqual(detector.tick(at: 6), [], "raised once")
        XCTAssertEqual(detector.finish(at: 9).map(\.end), [9])
    }

    func testTurnedOffInTheSettingsDoesNotRun() {
        XCTAssertNil(ScreenDetector(settings: DetectionSettings(exemptKinds: ["screen.blank"])))
        XCTAssertNil(ScreenDetector(settings: DetectionSettings(behaviours: ["screen.blank": DetectorConfig(enabled: false)])))
    }

    /// Text changing on a black picture is still "uniformly black" (blackdetect's share):
    /// blank is black OR unchanged, so a live screen must be neither.
    func testChangingButBlackPicturesAreBlack() throws {
        let pictures = (0...5).map { Self.screen(0, at: Double($0), mark: $0 * 10) }
        XCTAssertEqual(try run(pictures, finishAt: 6).map(\.subject), ["black", "black", "black"])
    }

    func testUniformlyBlackIsTheBlackdetectTest() {
        XCTAssertTrue(ScreenDetector.isUniformlyBlack(Self.screen(0, at: 0)))
        XCTAssertTrue(ScreenDetector.isUniformlyBlack(Self.screen(0, at: 0, mark: 3)), "a cursor on black is still black")
        XCTAssertFalse(ScreenDetector.isUniformlyBlack(Self.screen(76, at: 0)), "xsetroot -solid red")
    }

    /// Through the runner: screen pictures reach only the screen detector and camera pictures
    /// only the camera detectors. Black camera pictures raise camera.blocked, never
    /// screen.blank; black screen pictures raise screen.blank, never camera.blocked.
    func testRunnerRoutesPicturesByTheirSource() throws {
        let collected = Collected()
        let others: Set<String> = ["face.missing", "face.multiple", "gaze.away", "light.insufficient", "audio.speech", "audio.loud",
                                   "mic.silent", "vm.detected", "display.extra", "program.forbidden", "network.changed", "clock.jump",
                                   "scan.speech", "scan.faces", "camera.frozen", "scene.change"]
        let clock = ManualClock()
        let runner = DetectorRunner(settings: DetectionSettings(exemptKinds: others),
                                    options: .init(imageCapacity: 64, systemInterval: 3600, clock: { clock.now }, screen: true),
                                    onEvent: { collected.append($0) })
        for step in 0...16 {
            let time = Double(step) * 0.5
            clock.now = time
            // Camera black from 0 to 8 s at 2/s; the screen black only at whole seconds.
            runner.offer(AnalysisImage(width: 320, height: 240, format: .gray8, pixels: [UInt8](repeating: 0, count: 320 * 240), time: time))
            if step % 2 == 0 { runner.offer(Self.screen(0, at: time)) }
        }
        XCTAssertTrue(waitUntil(timeout: 10) { collected.events.contains { $0.kind == "screen.blank" } })
        let closing = runner.finish(at: 8.5)
        let events = collected.events + closing
        let blank = events.filter { $0.kind == "screen.blank" }
        XCTAssertEqual(blank.map(\.start), [0, 0])
        XCTAssertEqual(blank.first?.end, 5, "the fifth second of black screen pictures, not camera pictures")
        XCTAssertEqual(events.filter { $0.kind == "warning.shown" }.map(\.detector), ["screen"])
        let blocked = events.filter { $0.kind == "camera.blocked" && !$0.isOpen }
        XCTAssertEqual(blocked.count, 1)
        XCTAssertEqual(blocked.first?.start, 0)
        XCTAssertEqual(blocked.first?.end ?? 0, 8.5, accuracy: 0.51)
        XCTAssertEqual(Set(closing.filter { $0.kind == "detector.coverage" }.map(\.detector)), ["camera", "screen"])
        let skipped = try XCTUnwrap(closing.first { $0.kind == "detect.skipped" })
        XCTAssertEqual(skipped.measured["frames"], 0, "nothing skipped: the screen's 1/s and the camera's 2/s are sampled apart")
    }

    /// Without a screen recorded the runner has no screen detector, and screen pictures are not queued.
    func testRunnerWithoutScreenIgnoresScreenPictures() {
        let collected = Collected()
        let all = Set(EventKind.catalog.map(\.kind)).subtracting(["screen.blank"])
        let runner = DetectorRunner(settings: DetectionSettings(exemptKinds: all), options: .init(systemInterval: 3600, clock: { 0 }),
                                    onEvent: { collected.append($0) })
        for second in 0...8 { runner.offer(Self.screen(0, at: Double(second))) }
        let closing = runner.finish(at: 9)
        XCTAssertEqual((collected.events + closing).filter { $0.kind == "screen.blank" || $0.kind == "warning.shown" }, [])
        XCTAssertEqual(closing.filter { $0.kind == "detector.coverage" }.map(\.detector), [])
    }
}
