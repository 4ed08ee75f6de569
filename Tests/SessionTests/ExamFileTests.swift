import TestTools
import XCTest
@testable import Exam
@testable import ProctorModel
@testable import Seal

final class ExamFileTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("exam-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func signedExample() throws -> (bytes: [UInt8], settings: ExamSettings, identity: InstructorIdentity) {
        let settings = try ExamSettings.load(settings: SettingsTests.exampleURL)
        let identity = try InstructorIdentity.generate(name: "dr-ada")
        return (try ExamFile.encode(settings, signedBy: identity), settings, identity)
    }

    func testSignedExamVerifiesAndRoundTripsTheSettings() throws {
        let (bytes, settings, identity) = try signedExample()
        let url = directory.appendingPathComponent("chem101-midterm.exam")
        try Data(bytes).write(to: url)
        let exam = try ExamFile.load(url)
        var expected = settings
        expected.recipients = [identity.recipientKey]
        XCTAssertEqual(exam.settings, expected)
        XCTAssertEqual(exam.signerPublicKey, identity.signPublicKey)
        XCTAssertEqual(exam.sha256, SHA256.hash(bytes))
        XCTAssertEqual(exam.sha256.hexString, try Coreutils.sha256sum(url))
        // Signing the same settings again gives the same bytes (stable encoding).
        XCTAssertEqual(try ExamFile.encode(settings, signedBy: identity), bytes)
    }

    func testFlippingAnyByteIsDetected() throws {
        let (bytes, _, _) = try signedExample()
        // Every byte of the header and a spread of body bytes: each flip must fail, never pass.
        let positions = Array(0..<300) + Array(stride(from: 300, to: bytes.count, by: 97)) + [bytes.count - 1]
        for position in positions {
            var edited = bytes
            edited[position] ^= 0x01
            XCTAssertThrowsError(try ExamFile.decode(edited), "flip at \(position) went unnoticed") { error in
                let code = (error as! ProctorError).code
                XCTAssertTrue(code == .verification || code == .badData, "flip at \(position): \(code)")
            }
        }
        XCTAssertThrowsError(try ExamFile.decode(bytes + [0x0A]))
        XCTAssertThrowsError(try ExamFile.decode(Array(bytes.dropLast())))
    }

    func testResigningWithAnotherKeyDoesNotKeepTheOriginalSigner() throws {
        let (bytes, settings, identity) = try signedExample()
        let intruder = try InstructorIdentity.generate(name: "dr-ada")
        let forged = try ExamFile.encode(settings, signedBy: intruder)
        let exam = try ExamFile.decode(forged)
        XCTAssertNotEqual(exam.signerPublicKey, identity.signPublicKey)
        XCTAssertNotEqual(exam.sha256, SHA256.hash(bytes))
        // Swapping the signer line of the genuine file for the intruder's breaks the signature.
        let text = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let forgedText = String(decoding: forged, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        var mixed = text
        mixed[1] = forgedText[1]
        XCTAssertThrowsError(try ExamFile.decode(Array(mixed.joined(separator: "\n").utf8)))
    }

    func testSettingsFileIsNotAnExamFile() throws {
        let settingsBytes = Array(try Data(contentsOf: SettingsTests.exampleURL))
        XCTAssertThrowsError(try ExamFile.decode(settingsBytes)) { error in
            XCTAssertEqual((error as! ProctorError).code, .badData)
            XCTAssertTrue((error as! ProctorError).message.contains("proctor exam create"))
        }
    }

    func testLocatorSearchOrder() throws {
        let envDir = directory.appendingPathComponent("env"), cwd = directory.appendingPathComponent("cwd"), home = directory.appendingPathComponent("home")
        let userDir = home.appendingPathComponent(".local/share/proctor/exams")
        for dir in [envDir, cwd, userDir] { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) }
        let env = ["PROCTOR_EXAM_DIR": envDir.path, "HOME": home.path]

        try Data("x".utf8).write(to: userDir.appendingPathComponent("q1.exam"))
        XCTAssertEqual(try ExamLocator.resolve("q1", environment: env, currentDirectory: cwd).path, userDir.appendingPathComponent("q1.exam").path)
        try Data("x".utf8).write(to: cwd.appendingPathComponent("q1.exam"))
        XCTAssertEqual(try ExamLocator.resolve("q1", environment: env, currentDirectory: cwd).path, cwd.appendingPathComponent("q1.exam").path)
        try Data("x".utf8).write(to: envDir.appendingPathComponent("q1.exam"))
        XCTAssertEqual(try ExamLocator.resolve("q1", environment: env, currentDirectory: cwd).path, envDir.appendingPathComponent("q1.exam").path)
        XCTAssertEqual(try ExamLocator.resolve("q1.exam", environment: env, currentDirectory: cwd).path, cwd.appendingPathComponent("q1.exam").path)

        XCTAssertThrowsError(try ExamLocator.resolve("nope", environment: env, currentDirectory: cwd)) { error in
            XCTAssertEqual((error as! ProctorError).code, .missingInput)
            XCTAssertTrue((error as! ProctorError).message.contains(userDir.path))
        }
    }

    func testDisclosureStatesWhatIsRecordedAndFlagged() throws {
        let (bytes, _, identity) = try signedExample()
        let settings = try ExamFile.decode(bytes).settings
        let text = ExamDisclosure.text(for: settings, student: nil)
        XCTAssertTrue(text.contains("Time limit: 1 h 30 min\n"), text)
        XCTAssertTrue(text.contains("Camera video, 640x480 at 15 frames per second"))
        XCTAssertTrue(text.contains("Your screen, 1280x720 at 2 frames per second"))
        XCTAssertTrue(text.contains("A room scan: 20 s of camera video"))
        XCTAssertTrue(text.contains("No face visible to the camera, for at least 5 s"))
        XCTAssertTrue(text.contains("A forbidden program running: discord, teamviewer, anydesk"))
        XCTAssertFalse(text.contains("Loud sound"), "audio_loud is disabled in the example")
        XCTAssertTrue(text.contains("\(identity.name) (key \(identity.recipientKey.fingerprint))"))
        XCTAssertTrue(text.contains("kept for 30 days"))

        let s1001 = ExamDisclosure.text(for: settings, student: "s1001")
        XCTAssertTrue(s1001.contains("Time limit: 2 h 15 min (includes your accommodation: 1.5x the standard 1 h 30 min)"), s1001)
        XCTAssertFalse(s1001.contains("Head turned away from the screen"))
        XCTAssertTrue(s1001.contains("exempts you from: head turned away from the screen"))

        let s1002 = ExamDisclosure.text(for: settings, student: "s1002")
        XCTAssertTrue(s1002.contains("nothing is recorded and nothing is flagged"))
        XCTAssertFalse(s1002.contains("Camera video"))
    }
}
