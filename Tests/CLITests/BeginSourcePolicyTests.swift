import Foundation
import XCTest
@testable import Exam
@testable import Seal

/// What the signed exam records must be recorded (issue 13, attack 2): `begin` refuses to switch
/// a required source off and refuses a test picture or a file in a real exam; a practice run
/// accepts them, and the report flags each as `source.untrusted` on page 1 and in the JSON.
final class BeginSourcePolicyTests: XCTestCase {
    func testNoneForARequiredSourceExits64NamingTheSetting() throws {
        let kit = try RecordingSessionKit()
        defer { kit.remove() }
        let run = try ProctorBinary.run(["begin", "--exam", kit.examURL.path, "--student", "s1", "--camera", "none", "--mic", "test",
                                         "--accept", "--duration", "2"], environment: kit.environment)
        XCTAssertEqual(run.status, 64)
        XCTAssertEqual(run.stderr, "proctor: the exam records the camera (recording.camera.enabled); --camera none is not allowed\n")
        XCTAssertEqual(kit.bundles, [], "refused before anything is recorded")
    }

    /// `--screen auto` without a display would record no screen: for an exam that records it, 69.
    func testRequiredScreenWithoutADisplayExits69() throws {
        let kit = try RecordingSessionKit(screen: true)
        defer { kit.remove() }
        let run = try ProctorBinary.run(["begin", "--exam", kit.examURL.path, "--student", "s1", "--camera", "test", "--mic", "test",
                                         "--accept", "--duration", "2"], environment: kit.environment.merging(["DISPLAY": ""]) { $1 })
        XCTAssertEqual(run.status, 69)
        XCTAssertEqual(run.stderr, "proctor: the exam records the screen (recording.screen.enabled), but there is no display ($DISPLAY is not set); "
                       + "start the exam from your desktop session or pass --screen x11:DISPLAY\n")
        XCTAssertEqual(kit.bundles, [])
    }

    /// An accommodation that exempts the camera lets that student, and only that student, leave it out.
    func testAccommodationExemptingTheCameraAllowsNone() throws {
        let kit = try RecordingSessionKit(extraSettings: "[[accommodation]]\nstudent = \"s2\"\nexempt_sources = [\"camera\"]\n")
        defer { kit.remove() }
        let other = try ProctorBinary.run(["begin", "--exam", kit.examURL.path, "--student", "s1", "--camera", "none", "--mic", "test",
                                           "--accept", "--duration", "2"], environment: kit.environment)
        XCTAssertEqual(other.status, 64, other.stderr)
        let exempt = try ProctorBinary.run(["begin", "--exam", kit.examURL.path, "--student", "s2", "--camera", "none", "--mic", "test",
                                            "--accept", "--duration", "2"], environment: kit.environment)
        XCTAssertEqual(exempt.status, 0, exempt.stderr)
        XCTAssertEqual(kit.bundles.count, 1)
    }

    func testFileCameraIsRefusedInARealExamAndFlaggedInAPracticeRun() throws {
        let kit = try RecordingSessionKit(allowTestSources: false)
        defer { kit.remove() }
        let video = kit.directory.appendingPathComponent("video.mkv")
        _ = try MediaCheck.run("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=15:duration=10",
                                          "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", video.path])
        let real = try ProctorBinary.run(["begin", "--exam", kit.examURL.path, "--student", "s1", "--camera", "file:\(video.path)",
                                          "--mic", "test", "--accept", "--duration", "2"], environment: kit.environment)
        XCTAssertEqual(real.status, 64)
        XCTAssertTrue(real.stderr.contains("--camera file:\(video.path) records no device, which this exam does not allow (recording.allow_test_sources)"),
                      real.stderr)
        XCTAssertEqual(real.stderr.split(separator: "\n").count, 1, real.stderr)
        XCTAssertEqual(kit.bundles, [])
        let test = try ProctorBinary.run(["begin", "--exam", kit.examURL.path, "--student", "s1", "--camera", "test", "--mic", "test",
                                          "--accept", "--duration", "2"], environment: kit.environment)
        XCTAssertEqual(test.status, 64, "the test picture is no device either: \(test.stderr)")

        let practice = try ProctorBinary.run(["begin", "--practice", "--json", "--exam", kit.examURL.path, "--student", "s1",
                                              "--camera", "file:\(video.path)", "--mic", "test", "--accept", "--duration", "3"],
                                             environment: kit.environment)
        XCTAssertEqual(practice.status, 0, practice.stderr)
        let statuses = practice.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .filter { $0["elapsed"] != nil }
        XCTAssertFalse(statuses.isEmpty, practice.stdout)
        XCTAssertTrue(statuses.allSatisfy { $0["practice"] as? Bool == true }, "every status line says practice: \(practice.stdout)")
        let bundle = try XCTUnwrap(kit.bundles.first)

        let key = try kit.identity.write(to: kit.directory, passphrase: nil).key
        let out = kit.directory.appendingPathComponent("report")
        let export = try ProctorBinary.run(["export", bundle.path, "--key", key.path, "--json", "--pdf", "-o", out.path,
                                            "--exams", kit.directory.path], environment: kit.environment)
        XCTAssertEqual(export.status, 0, export.stderr)
        let name = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: out.path).first { $0.hasSuffix(".json") })
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent(name))) as? [String: Any])
        XCTAssertEqual(report["practice"] as? Bool, true)
        let untrusted = try XCTUnwrap(report["timeline"] as? [[String: Any]]).filter { $0["kind"] as? String == "source.untrusted" }
        // The file camera and the test microphone: each non-device source is its own flag.
        XCTAssertEqual(Set(untrusted.compactMap { $0["subject"] as? String }), ["camera=file:\(video.path)", "mic=test"], "\(untrusted)")
        XCTAssertTrue(untrusted.allSatisfy { $0["severity"] as? String == "flag" && $0["start"] as? Double == 0 }, "\(untrusted)")
        let pdf = out.appendingPathComponent(name.replacingOccurrences(of: ".json", with: ".pdf")).path
        let page1 = try MediaCheck.run("pdftotext", ["-layout", "-f", "1", "-l", "1", pdf, "-"]).out
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
        XCTAssertTrue(page1.contains("UNTRUSTED SOURCE (source.untrusted)"), page1)
        XCTAssertTrue(page1.contains("recorded from file:"), page1)
        XCTAssertTrue(page1.contains("PRACTICE RUN"), page1)
        let last = try MediaCheck.run("pdfinfo", [pdf]).out.split(separator: "\n").first { $0.hasPrefix("Pages:") }
        let pages = Int(last?.split(separator: " ").last ?? "") ?? 0
        for page in 1...max(1, pages) {
            let text = try MediaCheck.run("pdftotext", ["-f", "\(page)", "-l", "\(page)", pdf, "-"]).out
            XCTAssertTrue(text.contains("PRACTICE RUN"), "page \(page) says practice")
        }
    }
}

/// Attack 3 through the real `begin`: a student signs their own exam with the real exam id (test
/// sources allowed, the real instructor as recipient) and records under it. The instructor's
/// export sees a valid, intact bundle under an exam no trusted key signed: exit 65, page 1 says so.
final class SelfSignedExamTests: XCTestCase {
    func testRecordingUnderAStudentSignedExamExports65() throws {
        let kit = try RecordingSessionKit()
        defer { kit.remove() }
        let instructor = try InstructorIdentity.generate(name: "prof")
        let instructorKey = try instructor.write(to: kit.directory, passphrase: nil).key
        let student = try InstructorIdentity.generate(name: "mallory")
        var settings = try ExamSettings.parse(toml: """
            [exam]
            id = "rec-test"
            title = "Recording test"
            time_limit_minutes = 1440

            [recording]
            allow_test_sources = true

            [recording.screen]
            enabled = false

            [detectors.face_missing]
            enabled = false
            """, fileName: "forged.toml", baseDirectory: nil)
        settings.recipients = [instructor.recipientKey]
        let forged = kit.directory.appendingPathComponent("forged")
        try FileManager.default.createDirectory(at: forged, withIntermediateDirectories: true)
        let exam = forged.appendingPathComponent("rec-test.exam")
        try Data(try ExamFile.encode(settings, signedBy: student)).write(to: exam)

        let run = try ProctorBinary.run(["begin", "--exam", exam.path, "--student", "s1", "--camera", "test", "--mic", "test",
                                         "--accept", "--duration", "2"], environment: kit.environment)
        XCTAssertEqual(run.status, 0, run.stderr)
        let bundle = try XCTUnwrap(kit.bundles.first)
        XCTAssertEqual(try ProctorBinary.run(["verify", bundle.path]).status, 0, "the seals are intact")

        let out = kit.directory.appendingPathComponent("report")
        let export = try ProctorBinary.run(["export", bundle.path, "--key", instructorKey.path, "--pdf", "--json", "-o", out.path,
                                            "--exams", forged.path], environment: kit.environment)
        XCTAssertEqual(export.status, 65, export.stderr)
        XCTAssertTrue(export.stderr.contains("exam not issued by a trusted instructor"), export.stderr)
        let pdf = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: out.path).first { $0.hasSuffix(".pdf") })
        let page1 = try MediaCheck.run("pdftotext", ["-f", "1", "-l", "1", out.appendingPathComponent(pdf).path, "-"]).out
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
        XCTAssertTrue(page1.contains("INTEGRITY VERIFIED"), page1)
        XCTAssertTrue(page1.contains("EXAM NOT ISSUED BY A TRUSTED INSTRUCTOR"), page1)
        XCTAssertTrue(page1.contains("signed by mallory"), page1)
        XCTAssertTrue(page1.contains("ORIGIN NOT ATTESTED"), page1)
    }
}
