import Attest
import Foundation
import XCTest
@testable import Exam
@testable import ProctorModel
@testable import Seal

/// `[server]` in exam settings: read, checked, signed into the exam file, and absent exams
/// unchanged byte for byte.
final class ServerSettingsTests: XCTestCase {
    static let key = try! ServerPublicKey(name: "collector", publicKey: try! SigningKey(seed: .copying(Array(0..<32))).publicKey)

    static func settings(_ server: String) -> String {
        """
        [exam]
        id = "srv"
        title = "Server exam"
        time_limit_minutes = 30
        \(server)
        """
    }

    func parse(_ text: String) throws -> ExamSettings {
        try ExamSettings.parse(toml: text, fileName: "settings.toml", baseDirectory: nil)
    }

    func testServerSectionIsReadAndSignedIntoTheExamFile() throws {
        let settings = try parse(Self.settings("[server]\nurl = \"https://exams.example.edu/proctor\"\nkey = \"\(Self.key.line)\"\ncheckpoint_seconds = 5"))
        XCTAssertEqual(settings.server, ServerSettings(url: "https://exams.example.edu/proctor/", key: Self.key, checkpointSeconds: 5))
        let identity = try InstructorIdentity.generate(name: "prof")
        let exam = try ExamFile.decode(try ExamFile.encode(settings, signedBy: identity))
        XCTAssertEqual(exam.settings.server, settings.server)
        XCTAssertEqual(try parse(Self.settings("[server]\nurl = \"http://127.0.0.1:8440/\"\nkey = \"\(Self.key.line)\"")).server?.checkpointSeconds, 10)
    }

    func testAnExamWithoutAServerIsTheSameBytesAsBefore() throws {
        let settings = try parse(Self.settings(""))
        XCTAssertNil(settings.server)
        let identity = try InstructorIdentity.generate(name: "prof")
        let bytes = try ExamFile.encode(settings, signedBy: identity)
        XCTAssertFalse(String(decoding: bytes, as: UTF8.self).contains("\"server\""), "no key is written for an exam without a server")
        XCTAssertNil(try ExamFile.decode(bytes).settings.server)
        // An exam file signed before [server] existed still verifies, and names no server.
        let vector = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/test-vectors/vector-exam.exam")
        XCTAssertNil(try ExamFile.load(vector).settings.server)
    }

    func testBadServerSettingsNameTheKey() throws {
        let cases: [(String, String)] = [
            ("[server]\nurl = \"http://exams.example.edu/\"\nkey = \"\(Self.key.line)\"", "settings.toml:6: server.url: must be https (plain http only to 127.0.0.1 or localhost)"),
            ("[server]\nurl = \"https://u:p@exams.example.edu/\"\nkey = \"\(Self.key.line)\"", "settings.toml:6: server.url: must not contain a login, a query or a fragment"),
            ("[server]\nurl = \"https://exams.example.edu/\"", "server.key: is required but missing"),
            ("[server]\nurl = \"https://exams.example.edu/\"\nkey = \"\(Self.key.line.dropLast())0\"", "server.key: the server key 'collector' is damaged: its check digits do not match"),
            ("[server]\nurl = \"https://exams.example.edu/\"\nkey = \"\(Self.key.line)\"\ncheckpoint_seconds = 1", "server.checkpoint_seconds: must be between 2 and 300, got 1"),
            ("[server]\nurl = \"https://exams.example.edu/\"\nkey = \"\(Self.key.line)\"\nurll = 1", "server.urll: unknown key"),
        ]
        for (section, expected) in cases {
            XCTAssertThrowsError(try parse(Self.settings(section)), section) { error in
                let error = error as! ProctorError
                XCTAssertEqual(error.code, .badData, section)
                XCTAssertTrue(error.message.contains(expected), "\(error.message) should contain \(expected)")
            }
        }
    }
}

/// The attempt ticket in the session header: version 2 only when there is one, bound into the
/// header hash, and version-1 bundles unchanged.
final class BundleTicketHeaderTests: XCTestCase {
    func testTicketRoundTripsAndOnlyThenIsTheVersionTwo() throws {
        let recipient = BundleRecipient(name: "prof", publicKey: Array(repeating: 9, count: 32))
        var header = BundleHeader(examId: "e", examFileSHA256: Array(repeating: 1, count: 32), studentId: "s", sessionId: "x",
                                  startTime: Date(timeIntervalSince1970: 1_800_000_000), recipients: [recipient], cipher: .xChaCha20Poly1305)
        let plain = try BundleFormat.encodeSessionHeader(header)
        XCTAssertEqual(Array(plain[8..<10]), [1, 0], "no ticket: format version 1 as before")
        XCTAssertNil(BundleFormat.decodeSessionBody(Array(plain[14...]))?.attemptTicket)
        header.attemptTicket = Array(repeating: 0x5A, count: 200)
        let ticketed = try BundleFormat.encodeSessionHeader(header)
        XCTAssertEqual(Array(ticketed[8..<10]), [2, 0])
        XCTAssertEqual(ticketed.count, plain.count + 4 + 200)
        XCTAssertEqual(BundleFormat.decodeSessionBody(Array(ticketed[14...]), version: 2), header)
        XCTAssertNil(BundleFormat.decodeSessionBody(Array(ticketed[14...]), version: 1), "a version-1 reader of these bytes finds extra bytes")
        XCTAssertNil(BundleFormat.decodeSessionBody(Array(ticketed[14...].dropLast()), version: 2), "a short ticket does not parse")
    }
}

/// The follower a checkpoint sender uses agrees with a full keyless pass at every step of a
/// bundle being written, including across a resumed part.
final class ChainFollowerTests: XCTestCase {
    func testFollowerMatchesAFullKeylessPassWhileTheBundleGrows() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("follow-\(UUID().uuidString).proctor")
        defer { try? FileManager.default.removeItem(at: url) }
        var header = BundleHeader(examId: "e", examFileSHA256: Array(repeating: 1, count: 32), studentId: "s", sessionId: "x",
                                  startTime: Date(), recipients: [BundleRecipient(name: "prof", publicKey: BoxKeys.generate().publicKey)],
                                  cipher: .xChaCha20Poly1305)
        header.attemptTicket = Array(repeating: 7, count: 120)
        let writer = try BundleWriter(creating: url, header: header)
        let follower = try ChainFollower(url: url)
        XCTAssertNil(try follower.advance(), "nothing sealed yet")
        for round in 1...4 {
            for index in 0..<round { try writer.append(.media, Array(repeating: UInt8(index), count: 500 * index + 1)) }
            try writer.sync()
            let followed = try XCTUnwrap(try follower.advance())
            XCTAssertEqual(followed, try BundleChain.lastPoint(of: url))
            XCTAssertEqual(followed.records, UInt64(round * (round + 1) / 2))
            XCTAssertEqual(followed.partSigningKey, writer.partSigningPublicKey)
        }
        try writer.finish(mediaDuration: 1)
        let last = try XCTUnwrap(try follower.advance())
        XCTAssertEqual(last.records, 11, "ten media records and the part-end record")
        XCTAssertNil(writer.partSigningPublicKey, "the part key is gone once finished")
        XCTAssertThrowsError(try writer.signWithPartKey([1, 2, 3]))
    }
}
