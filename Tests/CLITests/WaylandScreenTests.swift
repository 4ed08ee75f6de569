import Foundation
import XCTest
import TestTools

/// Screen recording on a real Wayland desktop (issue 17): headless sway, PipeWire and the
/// ScreenCast portal (`HeadlessSway`), with `proctor` run as the desktop's user, the way a
/// student runs it inside their session.
final class WaylandScreenTests: XCTestCase {
    private static let rate = 10

    /// `--screen auto` on Wayland records through the portal: a constant-rate track (frame
    /// count = session clock x rate, ±2 %) although the compositor sends pictures only on
    /// damage; red, then blue from the moment the desktop turned blue (within 0.5 s).
    func testPortalRecordsTheDesktopsColoursAtTheirTimes() throws {
        let sway = try HeadlessSway.start(colours: ["#ff0000", "#0000ff"])
        defer { sway.stop() }
        let kit = try RecordingSessionKit(camera: false, screen: true, screenFramesPerSecond: Self.rate)
        defer { kit.remove() }
        try sway.give(kit.directory)

        let run = RunningProctor(sway.processAsUser([ProctorBinary.url.path, "begin", "--exam", kit.examURL.path, "--student", "s1",
                                                     "--camera", "none", "--mic", "test", "--screen", "auto", "--duration", "8", "--accept", "--no-browser"],
                                                    environment: kit.environment))
        try run.start()
        XCTAssertTrue(waitUntil(timeout: 60) { run.stderr.contains("recording into") || !run.isRunning }, run.stderr)
        let recordingStarted = ContinuousClock.now
        // Pacing the fake desktop: the one kind of sleep left in tests.
        Thread.sleep(forTimeInterval: max(0, 4 - seconds(since: recordingStarted)))
        let paintStarted = seconds(since: recordingStarted)
        try sway.showNext()
        let paintSeen = seconds(since: recordingStarted)
        let status = run.wait()
        XCTAssertEqual(status, 0, run.stderr)

        let bundle = try XCTUnwrap(kit.bundles.first, run.stderr)
        let read = try kit.read(bundle)
        let clock = try XCTUnwrap(read.mediaEnds.max())
        let file = try kit.writeTemporary(try XCTUnwrap(read.parts[0]), name: "wayland.mkv")
        let frames = try ScreenFrames(file)
        XCTAssertEqual(Double(frames.colours.count), clock * Double(Self.rate), accuracy: clock * Double(Self.rate) * 0.02,
                       "constant rate: \(frames.colours.count) frames in \(clock) s of session clock")
        XCTAssertEqual(frames.colours.count, frames.times.count, "every decoded frame has a time: \(frames.times)")
        let firstBlue = try XCTUnwrap(frames.times.indices.first { frames.colours[$0] == .blue }, "\(frames.colours)")
        XCTAssertTrue(frames.colours[..<firstBlue].allSatisfy { $0 == .red }, "red until the change: \(frames.colours[..<firstBlue])")
        XCTAssertTrue(frames.colours[firstBlue...].allSatisfy { $0 == .blue }, "blue after it: \(frames.colours[firstBlue...])")
        let changed = frames.times[firstBlue]
        // The video's clock starts a few ms after "recording into" is printed; the change
        // happened between the paint's start and grim seeing it.
        XCTAssertGreaterThanOrEqual(changed, paintStarted - 0.25, "not before the desktop changed")
        XCTAssertLessThanOrEqual(changed, paintSeen + 0.5, "within 0.5 s of the change (painted \(paintStarted)…\(paintSeen) s)")
        XCTAssertEqual(try XCTUnwrap(frames.times.first), 0, accuracy: 0.5, "from the start of the recording")
        XCTAssertTrue(FileManager.default.fileExists(atPath: kit.sessions.appendingPathComponent(".screencast-rec-test.token").path),
                      "the restore token is kept for the exam")
    }

    /// The student closes the sharing dialog: exit 69, one line saying what to do, no bundle.
    func testRefusedConsentExits69AndRecordsNothing() throws {
        let sway = try HeadlessSway.start(colours: ["#ff0000"], consent: .refuse)
        defer { sway.stop() }
        let kit = try RecordingSessionKit(camera: false, screen: true)
        defer { kit.remove() }
        try sway.give(kit.directory)
        let run = RunningProctor(sway.processAsUser([ProctorBinary.url.path, "begin", "--exam", kit.examURL.path, "--student", "s1",
                                                     "--camera", "none", "--mic", "test", "--screen", "portal", "--duration", "5", "--accept", "--no-browser"],
                                                    environment: kit.environment))
        try run.start()
        XCTAssertEqual(run.wait(), 69, run.stderr)
        XCTAssertEqual(run.stderr, "proctor: screen sharing was refused or closed in the desktop's dialog; start again and choose Share for every monitor\n")
        XCTAssertEqual(kit.bundles, [], "nothing recorded")
    }

    /// The dialog appears once per exam: the second session (another student on this
    /// computer, a resumed part) presents the kept restore token and is shared without asking,
    /// where asking again would have been refused.
    func testRestoreTokenSkipsTheDialogTheSecondTime() throws {
        let sway = try HeadlessSway.start(colours: ["#ff0000"], consent: .shareOnce)
        defer { sway.stop() }
        let kit = try RecordingSessionKit(camera: false, screen: true)
        defer { kit.remove() }
        try sway.give(kit.directory)
        for student in ["s1", "s2"] {
            let run = RunningProctor(sway.processAsUser([ProctorBinary.url.path, "begin", "--exam", kit.examURL.path, "--student", student,
                                                         "--camera", "none", "--mic", "test", "--screen", "portal", "--duration", "2", "--accept",
                                                         "--no-browser"], environment: kit.environment))
            try run.start()
            XCTAssertEqual(run.wait(), 0, "\(student): \(run.stderr)")
        }
        XCTAssertEqual(kit.bundles.count, 2)
        XCTAssertEqual(sway.dialogsShown, 1, "asked once, for the first session only")
    }

    /// precheck names the path it will use and takes one real picture through the portal.
    func testPrecheckTakesAPictureThroughThePortal() throws {
        let sway = try HeadlessSway.start(colours: ["#ff0000"])
        defer { sway.stop() }
        let run = RunningProctor(sway.processAsUser([ProctorBinary.url.path, "precheck", "--json", "--camera", "test", "--mic", "test",
                                                     "--screen", "auto"]))
        try run.start()
        XCTAssertEqual(run.wait(), 0, run.stderr + sway.log("portal.log") + sway.log("pipewire.log") + sway.log("xdpw.log"))
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], run.stdout)
        let checks = try XCTUnwrap(object["checks"] as? [[String: Any]])
        let screen = try XCTUnwrap(checks.first { $0["id"] as? String == "screen" })
        XCTAssertEqual(screen["status"] as? String, "pass")
        XCTAssertEqual(screen["message"] as? String, "the screen opens for recording through the desktop portal (Wayland, PipeWire)")
    }

    private func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

/// The screen track of a recording, decoded by the ffmpeg CLI without frame-rate conversion:
/// each frame's time and its dominant colour.
private struct ScreenFrames {
    enum Colour: Equatable { case red, blue, other([UInt8]) }
    let times: [Double]
    let colours: [Colour]

    init(_ file: URL) throws {
        let probe = try CommandOutput.run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "frame=best_effort_timestamp_time",
                                                               "-of", "csv=p=0", file.path])
        // One line per frame; a frame with side data gets a trailing comma and an empty line.
        times = probe.split(separator: "\n").compactMap { line in line.split(separator: ",").first.flatMap { Double($0) } }
        // 4x4 RGB per frame: a solid colour survives the scale and x264 within a few levels;
        // pixel (0,0) averages the top-left sixteenth, away from the pointer in the centre.
        let raw = try CommandOutput.runData("ffmpeg", ["-v", "error", "-i", file.path, "-map", "0:v:0", "-fps_mode", "passthrough",
                                                                "-vf", "scale=4:4", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        colours = stride(from: 0, to: raw.count - 47, by: 48).map { start in
            let corner = Array(raw[start..<(start + 3)])
            switch (corner[0], corner[1], corner[2]) {
            case (200..., ..<56, ..<56): return .red
            case (..<56, ..<56, 200...): return .blue
            default: return .other(corner)
            }
        }
    }
}

/// A `proctor` run whose stderr is read while it runs (the test acts on what it prints).
private final class RunningProctor: @unchecked Sendable {
    // @unchecked: the buffers are touched only under `lock`.
    private let process: Process
    private let lock = NSLock()
    private var errorText = Data()
    private var outputText = Data()

    init(_ process: Process) { self.process = process }

    func start() throws {
        let err = Pipe(), out = Pipe()
        process.standardError = err
        process.standardOutput = out
        process.standardInput = FileHandle.nullDevice
        err.fileHandleForReading.readabilityHandler = { [self] handle in
            let data = handle.availableData
            lock.withLock { errorText += data }
        }
        out.fileHandleForReading.readabilityHandler = { [self] handle in
            let data = handle.availableData
            lock.withLock { outputText += data }
        }
        try process.run()
    }

    var isRunning: Bool { process.isRunning }
    var stderr: String { lock.withLock { String(decoding: errorText, as: UTF8.self) } }
    var stdout: String { lock.withLock { String(decoding: outputText, as: UTF8.self) } }

    func wait() -> Int32 {
        process.waitUntilExit()
        // The last bytes may still be in the pipes when the process ends: read them to the end.
        for (pipe, isError) in [(process.standardError as? Pipe, true), (process.standardOutput as? Pipe, false)] {
            guard let handle = pipe?.fileHandleForReading else { continue }
            handle.readabilityHandler = nil
            let rest = handle.readDataToEndOfFile()
            lock.withLock { if isError { errorText += rest } else { outputText += rest } }
        }
        return process.terminationStatus
    }
}
