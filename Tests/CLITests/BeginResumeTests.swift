import Foundation
@testable import Session
import XCTest
@testable import ProctorModel
@testable import Seal

/// Kill -9, `begin --resume` and `submit`'s finishing, against the real binary.
final class BeginResumeTests: XCTestCase {
    private func beginArguments(_ kit: RecordingSessionKit, _ extra: [String]) -> [String] {
        ["begin", "--exam", kit.examURL.path, "--student", "s1", "--camera", "test", "--mic", "test", "--screen", "none",
         "--accept", "--json"] + extra
    }

    func testSigkillLeavesAVerifiableBundleThatResumeContinues() throws {
        let kit = try RecordingSessionKit()
        defer { kit.remove() }
        let recorder = try RunningRecorder(beginArguments(kit, ["--duration", "60"]), environment: kit.environment)
        let killedAt = try recorder.killAtRandomMoment(after: Double.random(in: 2...4))

        let bundle = try XCTUnwrap(kit.bundles.first)
        let verification = BundleReader.verify(contentsOf: bundle, key: kit.key)
        XCTAssertEqual(verification.status, .incomplete, "a killed recording is incomplete, never failed: \(verification.warnings)")
        XCTAssertNil(verification.failure)
        let (_, parts, mediaEnds) = try kit.read(bundle)
        let media = try kit.writeTemporary(try XCTUnwrap(parts[0]), name: "killed.mkv")
        let videoEnd = try MediaCheck.lastFrameEnd(media, type: "video")
        let audioEnd = try MediaCheck.lastFrameEnd(media, type: "audio")
        XCTAssertEqual(videoEnd, killedAt, accuracy: 1.5, "readable video ends near the kill (\(killedAt) s)")
        XCTAssertEqual(audioEnd, killedAt, accuracy: 1.5, "readable audio ends near the kill (\(killedAt) s)")
        XCTAssertEqual(try XCTUnwrap(mediaEnds.last), killedAt, accuracy: 1.5)

        let again = try ProctorBinary.run(beginArguments(kit, ["--duration", "2"]), environment: kit.environment)
        XCTAssertEqual(again.status, 64, "a second session while one waits to be resumed")
        XCTAssertTrue(again.stderr.contains("an interrupted session of this exam exists"), again.stderr)
        XCTAssertEqual(kit.bundles, [bundle])

        let resumed = try ProctorBinary.run(beginArguments(kit, ["--resume", "--duration", "2"]), environment: kit.environment)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(kit.bundles, [bundle], "resume continues the same bundle")
        let after = BundleReader.verify(contentsOf: bundle, key: kit.key)
        // Finished and signed; "incomplete" only because part 0 has no part-end (the kill).
        XCTAssertTrue(after.isFinished)
        XCTAssertNil(after.failure)
        XCTAssertEqual(after.status, .incomplete, "\(after.warnings)")
        XCTAssertEqual(after.parts.count, 2)
        XCTAssertEqual(after.parts.map(\.ended), [false, true], "part 0 ended abruptly, part 1 properly")
        let (records, resumedParts, _) = try kit.read(bundle)
        let events = try records.filter { $0.type == .timeline }.map { try RecordingRecords.decodeTimeline(try XCTUnwrap($0.payload)) }
        let resumeEvent = try XCTUnwrap(events.first { $0.kind == "session.resumed" })
        XCTAssertEqual(resumeEvent.start, killedAt, accuracy: 1.5, "part 1 continues the session clock")
        let part1 = try kit.writeTemporary(try XCTUnwrap(resumedParts[1]), name: "part1.mkv")
        XCTAssertEqual(try MediaCheck.lastFrameEnd(part1, type: "video") - resumeEvent.start, 2, accuracy: 0.5)
        XCTAssertEqual(try MediaCheck.decodeErrors(part1), "")
    }

    /// `submit` ends a live recorder (it seals normally) and finalises one that was killed.
    func testFinishRunningEndsALiveRecorderAndSealsAKilledOne() async throws {
        let kit = try RecordingSessionKit()
        defer { kit.remove() }
        let live = try RunningRecorder(beginArguments(kit, ["--duration", "60"]), environment: kit.environment)
        _ = try live.waitForElapsed(1.5)
        let first = try await ExamSession.finishRunning(kit.sessions)
        XCTAssertEqual(live.waitForExit(), 0)
        let submitted = BundleReader.verify(contentsOf: first, key: kit.key)
        XCTAssertEqual(submitted.status, .intact)
        let events = try kit.read(first).records.filter { $0.type == .timeline }
            .map { try RecordingRecords.decodeTimeline(try XCTUnwrap($0.payload)) }
        XCTAssertEqual(events.last?.message, "The exam was submitted.")

        let killed = try RunningRecorder(beginArguments(kit, ["--duration", "60"]), environment: kit.environment)
        let killedAt = try killed.killAtRandomMoment(after: 1.5)
        let second = try await ExamSession.finishRunning(kit.sessions)
        XCTAssertNotEqual(second, first, "the finished session is left alone")
        let sealed = BundleReader.verify(contentsOf: second, key: kit.key)
        XCTAssertTrue(sealed.isFinished, "\(sealed.warnings)")
        XCTAssertNil(sealed.failure)
        XCTAssertEqual(try XCTUnwrap(sealed.mediaDuration), killedAt, accuracy: 1.5)
        let again = try await ExamSession.finishRunning(second)
        XCTAssertEqual(again, second, "finishing twice is harmless")
        await XCTAssertThrowsErrorAsync(try await ExamSession.finishRunning(kit.sessions)) { error in
            XCTAssertEqual((error as? ProctorError)?.code, .missingInput)
        }
    }
}

extension BeginResumeTests {
    /// Ctrl-C off a terminal (no one to confirm with) ends the exam cleanly: exit 0, sealed.
    func testInterruptEndsCleanlyWithAFinishedBundle() throws {
        let kit = try RecordingSessionKit()
        defer { kit.remove() }
        let recorder = try RunningRecorder(beginArguments(kit, ["--duration", "60"]), environment: kit.environment)
        let (elapsed, _) = try recorder.waitForElapsed(1.5)
        kill(recorder.process.processIdentifier, SIGINT)
        XCTAssertEqual(recorder.waitForExit(), 0)
        let bundle = try XCTUnwrap(kit.bundles.first)
        let verification = BundleReader.verify(contentsOf: bundle, key: kit.key)
        XCTAssertEqual(verification.status, .intact)
        XCTAssertEqual(try XCTUnwrap(verification.mediaDuration), elapsed, accuracy: 1)
        let last = try kit.read(bundle).records.last { $0.type == .timeline }
        XCTAssertEqual(try RecordingRecords.decodeTimeline(try XCTUnwrap(last?.payload)).message, "The student ended the exam.")
    }

    /// On a terminal (a real pty through `script`), Ctrl-C asks first: "n" keeps recording,
    /// "y" ends and seals; the live status line is rewritten in place. Each key is pressed
    /// only once the screen shows the recorder is ready for it: a Ctrl-C before recording
    /// starts (opening devices, the disclosure) aborts with nothing recorded.
    func testCtrlCOnATerminalAsksBeforeEnding() throws {
        guard TerminalSession.isAvailable else { throw XCTSkip("util-linux script is missing") }
        let kit = try RecordingSessionKit()
        defer { kit.remove() }
        let arguments = [ProctorBinary.url.path] + beginArguments(kit, ["--duration", "30"]).filter { $0 != "--json" }
        let terminal = try TerminalSession(arguments, environment: ProcessInfo.processInfo.environment.merging(kit.environment) { $1 })
        let question = "End the exam now and seal the recording? [y/N]"
        var shown = try terminal.waitFor("\r\u{1B}[KREC 00:00:02")
        terminal.type("\u{03}")
        shown = try terminal.waitFor(question, after: shown)
        terminal.type("n\n")
        shown = try terminal.waitFor("REC 00:00:04", after: shown)
        terminal.type("\u{03}")
        shown = try terminal.waitFor(question, after: shown)
        terminal.type("y\n")
        let status = terminal.finish()
        let screen = terminal.transcript
        XCTAssertEqual(status, 0, screen)
        XCTAssertEqual(screen.components(separatedBy: question).count - 1, 2)
        XCTAssertTrue(screen.contains("The student ended the exam."), screen)
        let verification = BundleReader.verify(contentsOf: try XCTUnwrap(kit.bundles.first), key: kit.key)
        XCTAssertEqual(verification.status, .intact)
        // Recording went on past the "n" to the second Ctrl-C (shown at 4 s) and ended at the "y".
        let duration = try XCTUnwrap(verification.mediaDuration)
        XCTAssertGreaterThanOrEqual(duration, 4, "kept recording after the 'n'")
        XCTAssertLessThan(duration, 8, "ended at the 'y'")
    }

    /// Below the stop threshold of free space the exam ends at once, sealed, with exit 74.
    func testNearlyFullDiskEndsWithAValidBundleAndExit74() throws {
        let kit = try RecordingSessionKit()
        defer { kit.remove() }
        var environment = kit.environment
        environment["PROCTOR_DISK_STOP_MB"] = "999999999"
        let run = try ProctorBinary.run(beginArguments(kit, ["--duration", "30"]), environment: environment)
        XCTAssertEqual(run.status, 74)
        XCTAssertTrue(run.stderr.contains("proctor: the disk is nearly full: the exam was ended early; the sealed recording is "), run.stderr)
        let bundle = try XCTUnwrap(kit.bundles.first)
        let verification = BundleReader.verify(contentsOf: bundle, key: kit.key)
        XCTAssertEqual(verification.status, .intact)
        XCTAssertLessThan(try XCTUnwrap(verification.mediaDuration), 2)
    }
}

func XCTAssertThrowsErrorAsync(_ expression: @autoclosure () async throws -> some Any, _ check: (Error) -> Void) async {
    do {
        _ = try await expression()
        XCTFail("no error was thrown")
    } catch {
        check(error)
    }
}

/// A `proctor begin --json` running in the background, read line by line.
final class RunningRecorder {
    let process: Process
    private let output: FileHandle
    private var buffer = Data()

    init(_ arguments: [String], environment: [String: String]) throws {
        process = Process()
        process.executableURL = ProctorBinary.url
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        output = out.fileHandleForReading
        try process.run()
    }

    /// Waits for a status line reporting at least `seconds` elapsed; returns its elapsed and
    /// the moment it was read.
    func waitForElapsed(_ seconds: Double) throws -> (elapsed: Double, readAt: Date) {
        while true {
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[buffer.startIndex..<newline]
                buffer = Data(buffer[(newline + 1)...])
                if let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any],
                   let elapsed = object["elapsed"] as? Double, elapsed >= seconds {
                    return (elapsed, Date())
                }
            }
            let chunk = output.availableData
            guard !chunk.isEmpty else { throw XCTSkip("the recorder exited before \(seconds) s") }
            buffer.append(chunk)
        }
    }

    /// SIGKILL somewhere in the second after `seconds` of recording; returns the session
    /// time of the kill.
    func killAtRandomMoment(after seconds: Double) throws -> Double {
        let (elapsed, readAt) = try waitForElapsed(seconds)
        Thread.sleep(forTimeInterval: Double.random(in: 0..<0.9))
        let killedAt = elapsed + Date().timeIntervalSince(readAt)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return killedAt
    }

    func waitForExit() -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }
}
