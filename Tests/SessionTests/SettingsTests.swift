import Detect
import XCTest
@testable import Exam
@testable import ProctorModel
@testable import Seal

/// The exam settings schema on the documented example and on broken variants of it.
final class SettingsTests: XCTestCase {
    static var exampleURL: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/examples/chem101-midterm.toml")
    }

    private var exampleText: String { get throws { try String(contentsOf: Self.exampleURL, encoding: .utf8) } }

    private func errorMessage(_ text: String) -> String? {
        do {
            _ = try ExamSettings.parse(toml: text, fileName: "settings.toml", baseDirectory: nil)
            return nil
        } catch {
            XCTAssertEqual(error.code, .badData)
            return error.message
        }
    }

    private let minimal = """
    [exam]
    id = "quiz1"
    title = "Quiz 1"
    time_limit_minutes = 20
    """

    func testDocumentedExampleParsesToTheValuesItStates() throws {
        let settings = try ExamSettings.load(settings: Self.exampleURL)
        XCTAssertEqual(settings.id, "chem101-midterm")
        XCTAssertEqual(settings.timeLimitSeconds, 5400)
        XCTAssertEqual(settings.recording.camera, .init(enabled: true, width: 640, height: 480, fps: 15, bitrateKbps: 500))
        XCTAssertEqual(settings.recording.screen.fps, 2)
        XCTAssertEqual(settings.recording.microphone.sampleRate, 48000)
        XCTAssertEqual(settings.verification.roomScanSeconds, 20)
        XCTAssertTrue(settings.verification.idPhoto)
        XCTAssertTrue(try XCTUnwrap(settings.verification.agreementText).hasPrefix("I will work alone"))
        XCTAssertEqual(settings.forbiddenPrograms, ["discord", "teamviewer", "anydesk"])
        XCTAssertEqual(settings.behaviours["face.missing"], DetectorConfig(enabled: true, sensitivity: 0.5, minimumSeconds: 5, weight: 2))
        XCTAssertEqual(settings.behaviours["audio.loud"]?.enabled, false)
        XCTAssertEqual(settings.behaviours["scene.change"]?.weight, 0)
        XCTAssertEqual(settings.retentionDays, 30)
        XCTAssertEqual(settings.submission, "https://uploads.example.edu/proctor/chem101/")
        XCTAssertTrue(settings.recipients.isEmpty)
    }

    func testAccommodationsChangeTimeAndDetection() throws {
        let settings = try ExamSettings.load(settings: Self.exampleURL)
        XCTAssertEqual(settings.timeLimit(for: "s1001"), 8100)
        XCTAssertEqual(settings.timeLimit(for: "someone-else"), 5400)
        XCTAssertEqual(settings.timeLimit(for: nil), 5400)

        let exempted = settings.detectionSettings(for: "s1001")
        XCTAssertNil(exempted.config(for: "gaze.away"))
        XCTAssertEqual(exempted.config(for: "face.missing")?.minimumSeconds, 5)
        XCTAssertNil(exempted.config(for: "audio.loud"), "disabled in the settings")

        let standard = settings.detectionSettings(for: "s9999")
        XCTAssertEqual(standard.config(for: "gaze.away")?.sensitivity, 0.4)
        XCTAssertEqual(standard.forbiddenPrograms, ["discord", "teamviewer", "anydesk"])
        XCTAssertEqual(standard.allowedDisplays, 1)

        XCTAssertTrue(settings.isFullyExempt("s1002"))
        XCTAssertFalse(settings.isFullyExempt("s1001"))
        XCTAssertTrue(Behaviour.catalog.allSatisfy { settings.detectionSettings(for: "s1002").config(for: $0.kind) == nil })
    }

    /// Every kind the detectors write can be configured, and nothing configurable is unknown to
    /// them: a mismatch would make a `[detectors.*]` table silently do nothing.
    func testConfigurableBehavioursAreExactlyTheDetectorsKinds() {
        XCTAssertEqual(Set(Behaviour.catalog.map(\.kind)), Set(DetectorCatalog.kinds.keys))
        XCTAssertEqual(Set(Behaviour.catalog.map(\.setting)).count, Behaviour.catalog.count)
        for behaviour in Behaviour.catalog {
            XCTAssertEqual(behaviour.setting, behaviour.kind.replacingOccurrences(of: ".", with: "_"))
        }
    }

    func testMinimalSettingsGetDocumentedDefaults() throws {
        let settings = try ExamSettings.parse(toml: minimal, fileName: "m.toml", baseDirectory: nil)
        XCTAssertEqual(settings.recording.camera, .cameraDefault)
        XCTAssertEqual(settings.recording.microphone, .microphoneDefault)
        XCTAssertEqual(settings.recording.screen, .screenDefault)
        XCTAssertEqual(settings.verification, .default)
        XCTAssertEqual(settings.allowedDisplays, 1)
        XCTAssertEqual(settings.retentionDays, 30)
        XCTAssertNil(settings.submission)
        XCTAssertTrue(settings.behaviours.isEmpty)
    }

    func testOutOfRangeValueNamesLineKeyAndValue() throws {
        let text = try exampleText.replacingOccurrences(of: "fps = 15 ", with: "fps = 120")
        let line = try XCTUnwrap(text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.hasPrefix("fps = 120") }) + 1
        XCTAssertEqual(errorMessage(text), "settings.toml:\(line): recording.camera.fps: must be between 1 and 60, got 120")
    }

    func testUnknownKeyIsAnErrorNotIgnored() throws {
        XCTAssertEqual(errorMessage(minimal + "\n[detectors.face_missing]\nenabeld = false\n"),
                       "settings.toml:6: detectors.face_missing.enabeld: unknown key (allowed here: enabled, min_seconds, sensitivity, weight)")
        XCTAssertEqual(errorMessage(minimal + "\n[detectors.face_mising]\n"),
                       "settings.toml:5: detectors.face_mising: unknown detector (known: \(Behaviour.catalog.map(\.setting).joined(separator: ", ")))")
        XCTAssertEqual(errorMessage(minimal + "\n[recordings]\n")?.hasPrefix("settings.toml:5: recordings: unknown key"), true)
    }

    func testWrongTypesAndMissingKeys() {
        XCTAssertEqual(errorMessage(minimal.replacingOccurrences(of: "20", with: "\"20\"")),
                       "settings.toml:4: exam.time_limit_minutes: must be a number, got a string")
        XCTAssertEqual(errorMessage(minimal + "\n[recording.camera]\nenabled = \"yes\""),
                       "settings.toml:6: recording.camera.enabled: must be true or false, got a string")
        XCTAssertEqual(errorMessage(minimal + "\n[recording.camera]\nwidth = 641"),
                       "settings.toml:6: recording.camera.width: must be even (video encoders need even sizes), got 641")
        XCTAssertEqual(errorMessage("[exam]\nid = \"q\"\ntime_limit_minutes = 5\n"),
                       "settings.toml:1: exam.title: is required but missing")
        XCTAssertEqual(errorMessage(minimal.replacingOccurrences(of: "quiz1", with: "quiz 1")),
                       "settings.toml:2: exam.id: 'quiz 1' is not usable as an exam id: use 1-64 letters, digits, '.', '_' or '-'")
        XCTAssertEqual(errorMessage(minimal + "\n[environment]\nforbidden_programs = [\"ok\",\n  \"a-very-long-program-name\"]"),
                       "settings.toml:7: environment.forbidden_programs: 'a-very-long-program-name' cannot match: use the process name as in /proc/PID/comm (1-15 characters, no '/')")
        XCTAssertEqual(errorMessage(minimal + "\n[[accommodation]]\nstudent = \"s1\"\nexempt = [\"face_gone\"]"),
                       "settings.toml:7: accommodation[1].exempt: 'face_gone' is not a detector (known: \(Behaviour.catalog.map(\.setting).joined(separator: ", ")))")
        XCTAssertEqual(errorMessage(minimal + "\n[verification]\nroom_scan_seconds = 10\n[recording.camera]\nenabled = false"),
                       "settings.toml:5: verification: photos and the room scan need the camera, but recording.camera.enabled is false")
    }

    func testSyntaxErrorNamesTheLine() {
        XCTAssertEqual(errorMessage(minimal + "\n[recording.camera\nfps = 10"), "settings.toml:5: a table header must end with ']'")
    }

    func testRecipientsFromPubFilesAndLines() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("recip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let ta = try InstructorIdentity.generate(name: "ta-kim").recipientKey
        let other = try InstructorIdentity.generate(name: "ta-lee").recipientKey
        try (ta.line + "\n").write(to: dir.appendingPathComponent("ta-kim.pub"), atomically: true, encoding: .utf8)
        let text = minimal + "\nrecipients = [\"ta-kim.pub\", \"\(other.line)\"]\n"
        let settings = try ExamSettings.parse(toml: text, fileName: "s.toml", baseDirectory: dir)
        XCTAssertEqual(settings.recipients, [ta, other])

        XCTAssertThrowsError(try ExamSettings.parse(toml: minimal + "\nrecipients = [\"missing.pub\"]\n", fileName: "s.toml", baseDirectory: dir)) { error in
            XCTAssertEqual((error as! ProctorError).code, .missingInput)
            XCTAssertTrue((error as! ProctorError).message.hasPrefix("s.toml:5: exam.recipients: cannot read the public key"))
        }
    }
}
