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
        XCTAssertTrue(pub.hasPrefix("proctor-pub-v2 dr-ada "), pub)
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

    /// 34 recipients used to be accepted here, and then every `begin` failed with 64.
    func testExamCreateRefusesMoreRecipientsThanABundleHolds() throws {
        XCTAssertEqual(try ProctorBinary.run(["keygen", "--name", "owner", "--out", directory.path, "--no-passphrase"]).status, 0)
        var lines: [String] = []
        for index in 0..<33 {
            let name = "ta\(index)"
            XCTAssertEqual(try ProctorBinary.run(["keygen", "--name", name, "--out", directory.path, "--no-passphrase"]).status, 0)
            lines.append("\"\(name).pub\"")
        }
        let text = try String(contentsOf: Self.exampleSettings, encoding: .utf8)
            .replacingOccurrences(of: "# recipients = [\"ta-kim.pub\", \"proctor-pub-v1 ta-lee AAAA...\"]",
                                  with: "recipients = [\(lines.joined(separator: ", "))]")
        let settings = directory.appendingPathComponent("many.toml")
        try text.write(to: settings, atomically: true, encoding: .utf8)
        let run = try ProctorBinary.run(["exam", "create", "--settings", settings.path, "--key", directory.appendingPathComponent("owner.key").path,
                                         "--out", directory.appendingPathComponent("many.exam").path])
        XCTAssertEqual(run.status, 64, run.stderr)
        XCTAssertEqual(run.stderr, "proctor: many.toml cannot be recorded: a bundle needs between 1 and 32 recipients, not 34\n", "33 teaching assistants and the signer")
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("many.exam").path))
    }

    /// A key file that others can read still works, with one warning line; keygen's own key
    /// file is 0600 whatever the umask.
    func testKeyReadableByOthersWarnsAndStillWorks() throws {
        let keygen = try ProctorBinary.run(["keygen", "--name", "open", "--out", directory.path, "--no-passphrase"])
        XCTAssertEqual(keygen.status, 0, keygen.stderr)
        let key = directory.appendingPathComponent("open.key")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: key.path)[.posixPermissions] as? Int, 0o600)
        XCTAssertEqual(chmod(key.path, 0o644), 0)
        let run = try ProctorBinary.run(["exam", "create", "--settings", Self.exampleSettings.path, "--key", key.path,
                                         "--out", directory.appendingPathComponent("x.exam").path])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stderr, "proctor: warning: \(key.path) can be read by other users (mode 644); run `chmod 600 \(key.path)`\n")
    }

    /// A `.pub` entry with a pasted leading space is a key, not a path; a changed base64
    /// character is refused by the check digits.
    func testPublicKeyLinesAreTrimmedAndChecked() throws {
        XCTAssertEqual(try ProctorBinary.run(["keygen", "--name", "owner", "--out", directory.path, "--no-passphrase"]).status, 0)
        XCTAssertEqual(try ProctorBinary.run(["keygen", "--name", "ta", "--out", directory.path, "--no-passphrase"]).status, 0)
        let line = try String(contentsOf: directory.appendingPathComponent("ta.pub"), encoding: .utf8).trimmingCharacters(in: .newlines)
        var fields = line.split(separator: " ").map(String.init)
        let base64 = Array(fields[2])
        let changed = base64[5] == "A" ? "B" : "A"
        fields[2] = String(base64[..<5]) + changed + String(base64[6...])
        let damaged = fields.joined(separator: " ")
        let text = try String(contentsOf: Self.exampleSettings, encoding: .utf8)
        for (name, entry, status) in [("spaced", "  " + line + " ", Int32(0)), ("damaged", damaged, 65)] {
            let settings = directory.appendingPathComponent("\(name).toml")
            try text.replacingOccurrences(of: "# recipients = [\"ta-kim.pub\", \"proctor-pub-v1 ta-lee AAAA...\"]", with: "recipients = [\"\(entry)\"]")
                .write(to: settings, atomically: true, encoding: .utf8)
            let run = try ProctorBinary.run(["exam", "create", "--settings", settings.path, "--key", directory.appendingPathComponent("owner.key").path,
                                             "--out", directory.appendingPathComponent("\(name).exam").path])
            XCTAssertEqual(run.status, status, run.stderr)
            if status == 0 {
                XCTAssertTrue(run.stdout.contains("Recipients: owner, ta"), run.stdout)
            } else {
                XCTAssertTrue(run.stderr.hasSuffix("exam.recipients: the public key of 'ta' is damaged: its check digits do not match (copy the whole line again)\n"), run.stderr)
            }
        }
    }

    /// A password in the submission address would be printed by every disclosure and sent from
    /// every student's argv-free `submit`: refused when the exam is made.
    func testExamCreateRefusesCredentialsInTheSubmissionAddress() throws {
        XCTAssertEqual(try ProctorBinary.run(["keygen", "--name", "owner", "--out", directory.path, "--no-passphrase"]).status, 0)
        let settings = directory.appendingPathComponent("creds.toml")
        try String(contentsOf: Self.exampleSettings, encoding: .utf8)
            .replacingOccurrences(of: "https://uploads.example.edu/proctor/chem101/", with: "https://ta:hunter2@uploads.example.edu/proctor/chem101/")
            .write(to: settings, atomically: true, encoding: .utf8)
        let run = try ProctorBinary.run(["exam", "create", "--settings", settings.path, "--key", directory.appendingPathComponent("owner.key").path,
                                         "--out", directory.appendingPathComponent("creds.exam").path])
        XCTAssertEqual(run.status, 64, run.stderr)
        XCTAssertEqual(run.stderr, "proctor: creds.toml cannot be delivered: the upload URL https://uploads.example.edu/proctor/chem101/ must not carry a user name or password: pass it without them and put user:password in $PROCTOR_SUBMIT_CREDENTIALS or in a file named with --credentials-file\n")
        XCTAssertFalse(run.stderr.contains("hunter2"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("creds.exam").path))
    }
}
