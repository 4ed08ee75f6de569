import Attest
import Foundation
import TestTools
import XCTest

/// The instructor's commands against a real `proctor serve`: `keygen --server`, an exam that
/// pins that key, `exam roster` (codes printed once, digests on disk) and `exam publish`.
final class ServeCLITests: XCTestCase {
    func testKeygenServerRosterAndPublishAgainstTheRealServer() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("serve-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = { (name: String) in folder.appendingPathComponent(name).path }

        let serverKey = try ProctorBinary.run(["keygen", "--server", "--name", "collector", "--out", folder.path])
        XCTAssertEqual(serverKey.status, 0, serverKey.stderr)
        let mode = try FileManager.default.attributesOfItem(atPath: path("collector.server.key"))[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        let keyLine = try String(contentsOfFile: path("collector.server.pub"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(serverKey.stdout.contains(keyLine), serverKey.stdout)
        XCTAssertEqual(try ProctorBinary.run(["keygen", "--server", "--name", "collector", "--out", folder.path]).status, 64, "never overwritten")

        XCTAssertEqual(try ProctorBinary.run(["keygen", "--name", "prof", "--no-passphrase", "--out", folder.path]).status, 0)
        XCTAssertEqual(try ProctorBinary.run(["keygen", "--name", "other", "--no-passphrase", "--out", folder.path]).status, 0)
        let prof = try String(contentsOfFile: path("prof.pub"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let server = try ServeProcess(folder: folder, trusting: [prof], extraConfig: "\n[identity]\nkey_file = \"collector.server.key\"\n")
        defer { XCTAssertEqual(server.stop(), 0) }
        XCTAssertEqual(server.keyLine, keyLine, "the server signs with the configured key")

        try """
        [exam]
        id = "cli-exam"
        title = "CLI exam"
        time_limit_minutes = 20

        [server]
        url = "http://127.0.0.1:\(server.port)"
        key = "collector.server.pub"
        """.write(toFile: path("settings.toml"), atomically: true, encoding: .utf8)
        let create = try ProctorBinary.run(["exam", "create", "--settings", path("settings.toml"), "--key", path("prof.key"), "--out", path("cli-exam.exam")])
        XCTAssertEqual(create.status, 0, create.stderr)

        let roster = try ProctorBinary.run(["exam", "roster", path("cli-exam.exam"), "--student", "s1", "--student", "s2"], in: folder)
        XCTAssertEqual(roster.status, 0, roster.stderr)
        let codes = Dictionary(uniqueKeysWithValues: roster.stdout.split(separator: "\n").map { line in
            let fields = line.split(separator: "\t").map(String.init)
            return (fields[0], fields[1])
        })
        XCTAssertEqual(Set(codes.keys), ["s1", "s2"])
        let onDisk = try String(contentsOfFile: path("cli-exam.roster.json"), encoding: .utf8)
        XCTAssertFalse(onDisk.contains(codes["s1"]!), "the roster file holds digests, not codes")

        let publish = try ProctorBinary.run(["exam", "publish", path("cli-exam.exam"), "--key", path("prof.key")], in: folder)
        XCTAssertEqual(publish.status, 0, publish.stderr)
        XCTAssertTrue(publish.stdout.hasPrefix("Published cli-exam on http://127.0.0.1:\(server.port)/ for 2 student(s)"), publish.stdout)
        let again = try ProctorBinary.run(["exam", "publish", path("cli-exam.exam"), "--key", path("prof.key")], in: folder)
        XCTAssertTrue(again.stdout.hasPrefix("Already published: cli-exam"), again.stdout)
        let untrusted = try ProctorBinary.run(["exam", "publish", path("cli-exam.exam"), "--key", path("other.key")], in: folder)
        XCTAssertEqual(untrusted.status, 77, untrusted.stderr)
        XCTAssertTrue(untrusted.stderr.contains("untrusted_publisher"), untrusted.stderr)

        struct TicketRequest: Encodable { let student: String; let code: String }
        let ticket = try server.json("POST", "/v1/exams/cli-exam/tickets", TicketRequest(student: "s2", code: codes["s2"]!.lowercased()))
        XCTAssertEqual(ticket.status, 201, ticket.text)
        let wrongStudent = try server.json("POST", "/v1/exams/cli-exam/tickets", TicketRequest(student: "s1", code: codes["s2"]!))
        XCTAssertEqual(wrongStudent.errorCode, "wrong_code", "a code admits its own student only")
    }
}
