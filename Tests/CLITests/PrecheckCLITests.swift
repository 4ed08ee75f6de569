import Foundation
@testable import Session
import TestTools
import XCTest
@testable import Exam

/// `proctor precheck` exit statuses and messages, through the built binary.
final class PrecheckCLITests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("cli-precheck-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func checks(_ run: ProctorRun) throws -> [String: [String: Any]] {
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], run.stdout)
        let list = try XCTUnwrap(object["checks"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: list.map { ($0["id"] as! String, $0) })
    }

    func testHeadlessJSONWithExamIsReadyAndEveryCheckPasses() throws {
        _ = try KeygenExamCLITests.makeExam(in: directory)
        // Found by id through $PROCTOR_EXAM_DIR, the way a student's setup would find it.
        let sessions = directory.appendingPathComponent("sessions-not-yet-created")
        let run = try ProctorBinary.run(["precheck", "--headless", "--json", "--exam", "chem101-midterm"],
                                        environment: ["PROCTOR_EXAM_DIR": directory.path, "PROCTOR_DATA_DIR": sessions.path])
        let results = try checks(run)
        XCTAssertEqual(Set(results.keys), ["exam.signature", "libraries", "encoders", "crypto.cipher", "faces.detector", "programs", "disk",
                                           "selftest.recording"])
        // Two verdicts depend on the machine, and are worked out here from the machine itself:
        // without AES-NI the bundle falls back to XChaCha20-Poly1305 (a warning), and the disk
        // check compares this file system's free space with what the exam's time limit needs.
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? " aes  pclmulqdq "
        let cpuHasAES = cpuinfo.contains(" aes ") && cpuinfo.contains(" pclmulqdq ")
        // Without AVX2 the face detector falls back to HOG alone (a warning); make setup installs the CNN.
        let cpuHasAVX2 = cpuinfo.contains(" avx2 ") && cpuinfo.contains(" fma ")
        let expected = ["crypto.cipher": cpuHasAES ? "pass" : "warn", "faces.detector": cpuHasAVX2 ? "pass" : "warn",
                        "disk": try Self.expectedDiskVerdict(in: directory, settings: KeygenExamCLITests.exampleSettings)]
        for (id, check) in results {
            XCTAssertEqual(check["status"] as? String, expected[id] ?? "pass", "\(id): \(check)")
        }
        XCTAssertEqual(run.status, expected["disk"] == "fail" ? 69 : 0, run.stdout + run.stderr)
        XCTAssertTrue((results["encoders"]?["message"] as? String)?.contains("Opus") == true)
        XCTAssertTrue((results["faces.detector"]?["message"] as? String)?.contains(cpuHasAVX2 ? "libfacedetection CNN" : "HOG only") == true,
                      "\(results["faces.detector"] ?? [:])")
        XCTAssertTrue((results["disk"]?["message"] as? String)?.contains("free in \(sessions.path)") == true, "\(results["disk"]!)")
        XCTAssertEqual(run.stderr, "", "probes must not leak library logging")

        // The self-test recorded 2 s and decoded both streams back at that length.
        let selfTest = try XCTUnwrap(results["selftest.recording"]?["message"] as? String)
        for stream in ["video", "audio"] {
            let match = try XCTUnwrap(selfTest.firstMatch(of: try Regex("\(stream) ([0-9.]+) s")), selfTest)
            let seconds = try XCTUnwrap(Double(String(match.output[1].substring!)))
            XCTAssertEqual(seconds, 2, accuracy: 0.5, selfTest)
        }
        XCTAssertTrue(selfTest.contains("h264"), selfTest)
    }

    /// pass, warn or fail for the free space under `directory` against the exam's needs, with
    /// the check's published thresholds (docs/cli.md): fail below the need, warn below twice it.
    /// Free space changes from moment to moment; a margin of 1% either side of a threshold
    /// would make the verdict a coin toss, so such a machine skips the test instead.
    static func expectedDiskVerdict(in directory: URL, settings: URL) throws -> String {
        let needed = DiskSpaceCheck.bytesNeeded(try ExamSettings.load(settings: settings), student: nil)
        var stats = statvfs()
        guard statvfs(directory.path, &stats) == 0 else { throw XCTSkip("cannot read free space of \(directory.path)") }
        let free = Double(stats.f_bavail) * Double(stats.f_frsize)
        for threshold in [needed, 2 * needed] where abs(free - threshold) < threshold / 100 {
            throw XCTSkip("free space \(free) is within 1% of a disk-check threshold \(threshold)")
        }
        return free < needed ? "fail" : free < 2 * needed ? "warn" : "pass"
    }

    func testBrokenCipherSettingFailsTheHeadlessCheck() throws {
        let run = try ProctorBinary.run(["precheck", "--headless", "--json"], environment: ["PROCTOR_CIPHER": "rot13"])
        XCTAssertEqual(run.status, 69, run.stdout + run.stderr)
        let results = try checks(run)
        XCTAssertEqual(results["crypto.cipher"]?["status"] as? String, "fail")
        XCTAssertEqual(results["selftest.recording"]?["status"] as? String, "fail")
        XCTAssertEqual(results["selftest.recording"]?["message"] as? String,
                       "self-test failed: PROCTOR_CIPHER must be 'aes256gcm' or 'xchacha20poly1305', not 'rot13'")
    }

    func testHeadlessJSONWithoutExamExitsZero() throws {
        let run = try ProctorBinary.run(["precheck", "--headless", "--json"])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        let results = try checks(run)
        XCTAssertEqual(results["exam.signature"]?["status"] as? String, "skip")
        XCTAssertFalse(results.values.contains { $0["status"] as? String == "fail" })
        XCTAssertNil(results["camera"], "--headless skips device checks")
    }

    func testMissingCameraExits69AndSaysWhatToDo() throws {
        let run = try ProctorBinary.run(["precheck", "--camera", "v4l2:/dev/video9", "--mic", "none", "--screen", "none"])
        XCTAssertEqual(run.status, 69)
        let line = try XCTUnwrap(run.stdout.split(separator: "\n").first { $0.hasPrefix("FAIL  Camera") })
        XCTAssertTrue(line.hasSuffix("camera /dev/video9 was not found"), String(line))
        XCTAssertTrue(run.stdout.contains("-> Plug the camera in"), run.stdout)
        XCTAssertTrue(run.stdout.contains("Not ready"))
    }

    func testDeviceThatIsNotACameraIsReported() throws {
        let run = try ProctorBinary.run(["precheck", "--json", "--camera", "v4l2:/dev/null", "--mic", "none", "--screen", "none"])
        XCTAssertEqual(run.status, 69)
        XCTAssertEqual(try checks(run)["camera"]?["message"] as? String, "/dev/null is not a camera (not a V4L2 video device)")
    }

    /// ALSA's `file` plugin over the null PCM makes a real capture PCM from a raw file.
    func testMicrophoneOpensThroughALSAAndAMissingOneFails() throws {
        let raw = directory.appendingPathComponent("in.raw")
        try Data(count: 9600).write(to: raw)
        try """
        pcm.exammic {
            type file
            slave.pcm "null"
            file "/dev/null"
            infile "\(raw.path)"
            format "raw"
        }
        """.write(to: directory.appendingPathComponent(".asoundrc"), atomically: true, encoding: .utf8)
        let env = ["HOME": directory.path]
        let good = try ProctorBinary.run(["precheck", "--json", "--camera", "test", "--mic", "alsa:exammic", "--screen", "test"], environment: env)
        XCTAssertEqual(try checks(good)["microphone"]?["status"] as? String, "pass", good.stdout)
        // No displays or camera devices exist on CI machines; test sources keep this run ready.
        XCTAssertEqual(good.status, 0, good.stdout)

        let bad = try ProctorBinary.run(["precheck", "--json", "--camera", "test", "--mic", "alsa:nosuchmic", "--screen", "test"], environment: env)
        XCTAssertEqual(bad.status, 69)
        let mic = try XCTUnwrap(try checks(bad)["microphone"])
        XCTAssertEqual(mic["message"] as? String, "microphone 'nosuchmic' was not found")
        XCTAssertNotNil(mic["hint"])
        XCTAssertEqual(bad.stderr, "", "ALSA's own error printing must be silenced during the probe")
    }

    /// A real X server (Xvfb) opened through x11grab as `begin` opens it; a display that is not
    /// running fails, and a stale socket with no server behind it fails too.
    func testScreenOpensOnARunningXServerOnly() throws {
        let xvfb = try XvfbDisplay.start()
        defer { xvfb.stop() }
        let number = try XCTUnwrap(Int(xvfb.name.dropFirst()))
        let socket = "/tmp/.X11-unix/X\(number)"
        // Something on the screen: a black one fails precheck (testBlackScreenFailsPrecheckWithTheHint).
        try xvfb.paint("red")

        let running = try ProctorBinary.run(["precheck", "--json", "--camera", "test", "--mic", "test", "--screen", "x11::\(number)"])
        XCTAssertEqual(running.status, 0, running.stdout + running.stderr)
        XCTAssertEqual(try checks(running)["screen"]?["message"] as? String, "X display :\(number) opens for recording (x11grab)")

        let absent = try ProctorBinary.run(["precheck", "--json", "--camera", "test", "--mic", "test", "--screen", "x11::\(number + 1)"])
        XCTAssertEqual(absent.status, 69)
        XCTAssertEqual(try checks(absent)["screen"]?["message"] as? String, "X display :\(number + 1) was not found")

        xvfb.stop()
        // Xvfb removes its socket on exit; put a stale one back, as a crashed server leaves it.
        if !FileManager.default.fileExists(atPath: socket) { FileManager.default.createFile(atPath: socket, contents: nil) }
        defer { try? FileManager.default.removeItem(atPath: socket) }
        let stale = try ProctorBinary.run(["precheck", "--json", "--camera", "test", "--mic", "test", "--screen", "x11::\(number)"])
        XCTAssertEqual(stale.status, 69)
        XCTAssertTrue((try checks(stale)["screen"]?["message"] as? String)?.hasPrefix("X display :\(number) cannot be recorded") == true, stale.stdout)
    }

    func testBadSourceSpecIsUsageError() throws {
        let run = try ProctorBinary.run(["precheck", "--camera", "webcam"])
        XCTAssertEqual(run.status, 64)
        XCTAssertTrue(run.stderr.contains("--camera 'webcam' is not a source"), run.stderr)
    }

    func testUnknownExamExits66() throws {
        let run = try ProctorBinary.run(["precheck", "--headless", "--exam", "no-such-exam"], environment: ["PROCTOR_EXAM_DIR": directory.path],
                                        in: directory)
        XCTAssertEqual(run.status, 66)
        XCTAssertTrue(run.stderr.hasPrefix("proctor: no exam 'no-such-exam': looked for no-such-exam.exam in \(directory.path)"), run.stderr)
    }
}
