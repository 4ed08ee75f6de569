import Foundation
import XCTest
import ProctorModel
@testable import Seal
import TestTools

/// Never a silently black screen recording (issue 17). Under Wayland, x11grab reaches only
/// XWayland and records black; an Xvfb display with nothing drawn gives the same black root
/// window through the same x11grab path.
final class ScreenBlankTests: XCTestCase {
    private func timeline(_ kit: RecordingSessionKit) throws -> [TimelineEvent] {
        let bundle = try XCTUnwrap(kit.bundles.first)
        return try kit.read(bundle).records.filter { $0.type == .timeline }
            .map { try RecordingRecords.decodeTimeline(try XCTUnwrap($0.payload)) }
    }

    private func begin(_ kit: RecordingSessionKit, display: String, seconds: Int) throws -> ProctorRun {
        try ProctorBinary.run(["begin", "--exam", kit.examURL.path, "--student", "s1", "--camera", "none", "--mic", "test",
                               "--screen", "x11:\(display)", "--duration", "\(seconds)", "--accept"], environment: kit.environment)
    }

    /// A black screen: `screen.blank` (coverage) from the first picture, raised by 6 s, the
    /// student told on the status line, and the reviewer told that they were.
    func testBlackScreenRaisesScreenBlankAndWarnsTheStudent() throws {
        let kit = try RecordingSessionKit(camera: false, screen: true)
        defer { kit.remove() }
        let display = try XvfbDisplay.start()
        defer { display.stop() }
        let run = try begin(kit, display: display.name, seconds: 8)
        XCTAssertEqual(run.status, 0, run.stderr)

        let events = try timeline(kit)
        let blank = events.filter { $0.kind == "screen.blank" }
        XCTAssertEqual(blank.count, 2, "sealed open when raised, then closed at the end: \(blank)")
        let raised = try XCTUnwrap(blank.first)
        XCTAssertEqual(raised.isOpen, true)
        XCTAssertEqual(raised.severity, .coverage)
        XCTAssertEqual(raised.detector, "screen")
        XCTAssertEqual(raised.subject, "black")
        XCTAssertEqual(raised.start, 0, accuracy: 1, "from the first screen picture")
        XCTAssertLessThanOrEqual(try XCTUnwrap(raised.end), 6, "raised within 6 s")
        let closed = try XCTUnwrap(blank.last)
        XCTAssertNil(closed.open)
        XCTAssertEqual(closed.start, raised.start)
        XCTAssertEqual(try XCTUnwrap(closed.end), 8, accuracy: 0.6, "still black at the end")

        let warnings = events.filter { $0.kind == "warning.shown" && $0.detector == "screen" }
        XCTAssertEqual(warnings.count, 1)
        let warning = try XCTUnwrap(warnings.first)
        XCTAssertEqual(warning.start, try XCTUnwrap(raised.end), accuracy: 0.001, "told the moment it was raised")
        XCTAssertLessThanOrEqual(warning.start, 6)
        XCTAssertTrue(warning.message.hasPrefix("The screen recording is black: proctor cannot see this desktop (a Wayland session?)."), warning.message)
        XCTAssertTrue(run.stderr.contains("proctor: " + warning.message + "\n"), "the status line shows it: \(run.stderr)")
        // Coverage only: never counted against the student (the flags left are the test tone's
        // source.untrusted and, on a virtual machine, vm.detected).
        XCTAssertEqual(Set(blank.map(\.severity)), [.coverage])
        XCTAssertFalse(events.contains { $0.severity == .flag && ($0.detector == "screen" || $0.kind.hasPrefix("screen.")) })
    }

    /// A desktop that shows something and changes: no `screen.blank`, no warning.
    func testChangingScreenRaisesNothing() throws {
        let kit = try RecordingSessionKit(camera: false, screen: true)
        defer { kit.remove() }
        let display = try XvfbDisplay.start()
        defer { display.stop() }
        try display.paint("red")
        // The fake desktop changes twice a second while proctor records it (pacing a
        // fake device: the one kind of sleep left in tests).
        let painting = PaintLoop(display: display)
        painting.start()
        let run = try begin(kit, display: display.name, seconds: 7)
        painting.stop()
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertGreaterThan(painting.painted, 4, "the screen did change during the recording")

        let events = try timeline(kit)
        XCTAssertEqual(events.filter { $0.kind == "screen.blank" }, [])
        XCTAssertEqual(events.filter { $0.kind == "warning.shown" }, [])
        XCTAssertFalse(run.stderr.contains("screen recording"), run.stderr)
        XCTAssertEqual(events.last?.kind, "session.end")
    }

    /// precheck takes one real frame through x11grab: black fails (exit 69) with the hint; a
    /// picture passes.
    func testBlackScreenFailsPrecheckWithTheHint() throws {
        let display = try XvfbDisplay.start()
        defer { display.stop() }
        let black = try ProctorBinary.run(["precheck", "--json", "--camera", "test", "--mic", "test", "--screen", "x11:\(display.name)"])
        XCTAssertEqual(black.status, 69, black.stdout)
        let screen = try XCTUnwrap(try checks(black)["screen"])
        XCTAssertEqual(screen["status"] as? String, "fail")
        XCTAssertEqual(screen["message"] as? String,
                       "X display \(display.name) records a black picture: proctor cannot see this desktop (a Wayland session?)")
        XCTAssertEqual(screen["hint"] as? String,
                       "On a Wayland desktop record through the desktop's screen-sharing portal: run again with --screen portal (or --screen auto inside the desktop session)")

        let text = try ProctorBinary.run(["precheck", "--camera", "test", "--mic", "test", "--screen", "x11:\(display.name)"])
        XCTAssertEqual(text.status, 69)
        XCTAssertTrue(text.stdout.contains("records a black picture"), text.stdout)

        try display.paint("red")
        let red = try ProctorBinary.run(["precheck", "--json", "--camera", "test", "--mic", "test", "--screen", "x11:\(display.name)"])
        XCTAssertEqual(red.status, 0, red.stdout)
        XCTAssertEqual(try checks(red)["screen"]?["status"] as? String, "pass")
        XCTAssertEqual(try checks(red)["screen"]?["message"] as? String, "X display \(display.name) opens for recording (x11grab)")
    }

    private func checks(_ run: ProctorRun) throws -> [String: [String: Any]] {
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], run.stdout)
        let list = try XCTUnwrap(object["checks"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: list.map { ($0["id"] as! String, $0) })
    }
}

/// Paints the root window of an Xvfb display a lighter gray every half second, on its own thread.
private final class PaintLoop: @unchecked Sendable {
    // @unchecked: `running` and `count` are touched only under `lock`.
    private let display: XvfbDisplay
    private let lock = NSLock()
    private var running = true
    private var count = 0
    private let done = DispatchSemaphore(value: 0)

    init(display: XvfbDisplay) { self.display = display }

    var painted: Int { lock.withLock { count } }

    func start() {
        Thread { [self] in
            // A new gray each time, never the first picture's red (luma 76) again: sampled at
            // any rate, each later picture differs from the first.
            var level = 96
            while lock.withLock({ running }) {
                let hex = String(format: "%02x", level)
                try? display.paint("rgb:\(hex)/\(hex)/\(hex)")
                level = min(level + 8, 248)
                lock.withLock { count += 1 }
                Thread.sleep(forTimeInterval: 0.5)
            }
            done.signal()
        }.start()
    }

    func stop() {
        lock.withLock { running = false }
        done.wait()
    }
}
