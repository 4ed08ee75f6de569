import Foundation
import TestTools
import XCTest

/// keygen, exam create and exam show through the built binary, as an instructor runs them.
final class KeygenExamCLITests: XCTestCase {
    private var directory: URL!
    private let passphrase = ["PROCTOR_PASSPHRASE": "correct horse battery"]

    static var exampleSettings: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/examples/chem101-midterm.toml")
    }

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("cli-exam-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// keygen + exam create on the documented example; returns the exam file. Without a
    /// passphrase the key is stored unencrypted, which skips two Argon2id runs (256 MiB each).
    static func makeExam(in directory: URL, passphrase: [String: String]? = nil) throws -> URL {
        let keygen = try ProctorBinary.run(["keygen", "--name", "dr-ada", "--out", directory.path] + (passphrase == nil ? ["--no-passphrase"] : []),
                                           environment: passphrase ?? [:])
        XCTAssertEqual(keygen.status, 0, keygen.stderr)
        let create = try ProctorBinary.run(["exam", "create", "--settings", exampleSettings.path,
                                            "--key", directory.appendingPathComponent("dr-ada.key").path],
                                           environment: passphrase ?? [:], in: directory)
        XCTAssertEqual(create.status, 0, create.stderr)
        return directory.appendingPathComponent("chem101-midterm.exam")
    }

    func testKeygenCreateAndShow() throws {
        let exam = try Self.makeExam(in: directory, passphrase: passphrase)
        let keyPath = directory.appendingPathComponent("dr-ada.key").path
        let mode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: keyPath)[.posixPermissions] as? Int)
        XCTAssertEqual(mode, 0o600)
        let pub = try String(contentsOf: directory.appendingPathComponent("dr-ada.pub"), encoding: .utf8)
        XCTAssertTrue(pub.hasPrefix("proctor-pub-v1 dr-ada "), pub)
        XCTAssertTrue(FileManager.default.fileExists(atPath: exam.path))

        let show = try ProctorBinary.run(["exam", "show", "chem101-midterm", "--student", "s1001"], in: directory)
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertTrue(show.stdout.contains("Time limit: 2 h 15 min"), show.stdout)
        XCTAssertTrue(show.stdout.contains("Camera video, 640x480 at 15 frames per second"))
        XCTAssertTrue(show.stdout.contains("  - dr-ada (key "))

        let json = try ProctorBinary.run(["exam", "show", exam.path, "--json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let settings = try XCTUnwrap(object["exam"] as? [String: Any])
        XCTAssertEqual(settings["timeLimitSeconds"] as? Double, 5400)
        XCTAssertEqual((object["sha256"] as? String)?.count, 64)
        XCTAssertEqual(object["sha256"] as? String, try Coreutils.sha256sum(exam))
    }

    func testWrongPassphraseExits77() throws {
        _ = try Self.makeExam(in: directory, passphrase: passphrase)
        let run = try ProctorBinary.run(["exam", "create", "--settings", Self.exampleSettings.path, "--key",
                                         directory.appendingPathComponent("dr-ada.key").path, "--out",
                                         directory.appendingPathComponent("other.exam").path],
                                        environment: ["PROCTOR_PASSPHRASE": "wrong horse"])
        XCTAssertEqual(run.status, 77)
        XCTAssertEqual(run.stderr, "proctor: wrong passphrase for \(directory.appendingPathComponent("dr-ada.key").path)\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("other.exam").path))
    }

    func testMalformedSettingsNameLineAndKeyAndExit65() throws {
        let keygen = try ProctorBinary.run(["keygen", "--name", "k", "--out", directory.path, "--no-passphrase"])
        XCTAssertEqual(keygen.status, 0)
        XCTAssertTrue(keygen.stderr.contains("warning: k.key is not encrypted"), keygen.stderr)
        let text = try String(contentsOf: Self.exampleSettings, encoding: .utf8)
            .replacingOccurrences(of: "fps = 15 ", with: "fps = 120")
        let line = try XCTUnwrap(text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.hasPrefix("fps = 120") }) + 1
        let settings = directory.appendingPathComponent("bad.toml")
        try text.write(to: settings, atomically: true, encoding: .utf8)
        let run = try ProctorBinary.run(["exam", "create", "--settings", settings.path, "--key", directory.appendingPathComponent("k.key").path])
        XCTAssertEqual(run.status, 65)
        XCTAssertEqual(run.stderr, "proctor: bad.toml:\(line): recording.camera.fps: must be between 1 and 60, got 120\n")

        let missing = try ProctorBinary.run(["exam", "create", "--settings", directory.appendingPathComponent("none.toml").path,
                                             "--key", directory.appendingPathComponent("k.key").path])
        XCTAssertEqual(missing.status, 66)
    }

    func testEditedExamFileIsRejectedWhereverItIsRead() throws {
        let exam = try Self.makeExam(in: directory)
        var bytes = try Data(contentsOf: exam)
        // A byte inside the JSON body, e.g. part of the time limit or a detector weight.
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: exam)
        let precheck = try ProctorBinary.run(["precheck", "--headless", "--exam", exam.path])
        XCTAssertEqual(precheck.status, 65, precheck.stdout + precheck.stderr)
        XCTAssertTrue(precheck.stderr.contains("was edited after it was signed"), precheck.stderr)
        let show = try ProctorBinary.run(["exam", "show", exam.path])
        XCTAssertEqual(show.status, 65)
    }

    func testExistingFilesAreNotOverwritten() throws {
        XCTAssertEqual(try ProctorBinary.run(["keygen", "--name", "dup", "--out", directory.path, "--no-passphrase"]).status, 0)
        let again = try ProctorBinary.run(["keygen", "--name", "dup", "--out", directory.path, "--no-passphrase"])
        XCTAssertEqual(again.status, 64)
        XCTAssertTrue(again.stderr.contains("already exists"), again.stderr)
        let badName = try ProctorBinary.run(["keygen", "--name", "a b", "--out", directory.path, "--no-passphrase"])
        XCTAssertEqual(badName.status, 64)
    }
}
