import Attest
import Foundation
import ProctorModel
import Seal
import XCTest

/// The signed wire formats: exact bytes (the test vector in docs/server.md), round trips, and
/// that any edit, any other key and any time outside the window is refused.
final class WireFormatTests: XCTestCase {
    /// The seed of docs/server.md's test vector: bytes 0x00, 0x01, ..., 0x1F.
    static let vectorKey = try! SigningKey(seed: .copying(Array(0..<32)))

    static let ticket = AttemptTicket(
        examId: "demo-exam", examFileSHA256: Array(repeating: 0xAA, count: 32), studentId: "s1234",
        attemptId: "a-0001", nonce: Array(repeating: 0x11, count: 16),
        issuedAt: Date(timeIntervalSince1970: 1_800_000_000), notBefore: Date(timeIntervalSince1970: 1_800_000_000),
        notAfter: Date(timeIntervalSince1970: 1_800_007_200), issuedBy: "enrolment-code")

    static let checkpoint = Checkpoint(
        attemptId: "a-0001", ticketDigest: Array(repeating: 0xBB, count: 32), part: 0, sequence: 0, recordCount: 3,
        chain: Array(repeating: 0xCC, count: 32), mediaTimeMicros: 2_500_000, sealedBytes: 4096,
        partSigningKey: Array(repeating: 0xDD, count: 32))

    static let receipt = ServerReceipt(
        attemptId: "a-0001", examFileSHA256: Array(repeating: 0xAA, count: 32), studentId: "s1234",
        bundleSHA256: Array(repeating: 0xEE, count: 32), bundleSize: 123_456,
        receivedAt: Date(timeIntervalSince1970: 1_800_003_600),
        checkpoints: .init(count: 12, lastSequence: 11, allContained: true, late: false))

    func testTicketTestVectorIsTheDocumentedBytes() throws {
        let signed = Self.ticket.signed(by: Self.vectorKey)
        XCTAssertEqual(signed.hexString, try Self.documentedVector("ticket"))
        XCTAssertEqual(Self.vectorKey.publicKey.hexString, try Self.documentedVector("public key"))
    }

    func testCheckpointAndReceiptTestVectors() throws {
        XCTAssertEqual(Self.checkpoint.signed(by: Self.vectorKey).hexString, try Self.documentedVector("checkpoint"))
        XCTAssertEqual(Self.receipt.signed(by: Self.vectorKey).hexString, try Self.documentedVector("receipt"))
    }

    func testEachFormatRoundTripsThroughItsSignedBytes() throws {
        let key = try SigningKey.generate()
        XCTAssertEqual(try AttemptTicket.open(Self.ticket.signed(by: key), publicKey: key.publicKey), Self.ticket)
        XCTAssertEqual(try Checkpoint.open(Self.checkpoint.signed(by: key), publicKey: key.publicKey), Self.checkpoint)
        var later = Self.checkpoint
        later.sequence = 7
        later.partSigningKey = nil
        XCTAssertEqual(try Checkpoint.open(later.signed(by: key), publicKey: key.publicKey), later)
        XCTAssertEqual(try ServerReceipt.open(Self.receipt.signed(by: key), publicKey: key.publicKey), Self.receipt)
    }

    func testEveryFlippedByteIsRefused() throws {
        let key = try SigningKey.generate()
        for signed in [Self.ticket.signed(by: key), Self.checkpoint.signed(by: key), Self.receipt.signed(by: key)] {
            for index in signed.indices {
                var edited = signed
                edited[index] ^= 0x01
                XCTAssertThrowsError(try AttemptTicket.open(edited, publicKey: key.publicKey))
                XCTAssertThrowsError(try Checkpoint.open(edited, publicKey: key.publicKey))
                XCTAssertThrowsError(try ServerReceipt.open(edited, publicKey: key.publicKey))
            }
        }
        // A body edit that still parses fails on the signature, with the verification code.
        var edited = Self.ticket.signed(by: key)
        edited[1 + 2 + 9 + 32 + 2] ^= 0x01  // a letter of the student id
        XCTAssertEqual(Self.code { try AttemptTicket.open(edited, publicKey: key.publicKey) }, .verification)
    }

    func testAnotherKeyOrAnotherFormatIsRefused() throws {
        let key = try SigningKey.generate()
        let other = try SigningKey.generate()
        XCTAssertEqual(Self.code { try AttemptTicket.open(Self.ticket.signed(by: key), publicKey: other.publicKey) }, .verification)
        XCTAssertEqual(Self.code { try ServerReceipt.open(Self.receipt.signed(by: key), publicKey: other.publicKey) }, .verification)
        // Same key, other type: the bytes do not parse as a receipt, and the contexts differ.
        XCTAssertNotNil(Self.code { try ServerReceipt.open(Self.ticket.signed(by: key), publicKey: key.publicKey) })
        XCTAssertEqual(Self.code { try AttemptTicket.open(Array(Self.ticket.signed(by: key).prefix(40)), publicKey: key.publicKey) }, .badData)
        XCTAssertEqual(Self.code { try AttemptTicket.open(Self.ticket.signed(by: key) + [0], publicKey: key.publicKey) }, .badData)
    }

    func testTicketWindow() throws {
        let ticket = Self.ticket
        XCTAssertNoThrow(try ticket.checkWindow(at: ticket.notBefore))
        XCTAssertNoThrow(try ticket.checkWindow(at: ticket.notAfter))
        XCTAssertEqual(Self.code { try ticket.checkWindow(at: ticket.notAfter.addingTimeInterval(0.001)) }, .verification)
        XCTAssertEqual(Self.code { try ticket.checkWindow(at: ticket.notBefore.addingTimeInterval(-1)) }, .verification)
        XCTAssertThrowsError(try ticket.checkWindow(at: ticket.notAfter.addingTimeInterval(60))) { error in
            XCTAssertTrue((error as? ProctorError)?.message.contains("expired at 2027-01-15T10:00:00Z") == true, "\(error)")
        }
    }

    func testServerPublicKeyLineRoundTripsAndCatchesCopyErrors() throws {
        let key = try ServerPublicKey(name: "exams.example.edu", publicKey: Self.vectorKey.publicKey)
        XCTAssertEqual(try ServerPublicKey(line: " \(key.line)\n"), key)
        XCTAssertEqual(key.line, try Self.documentedVector("server key line"))
        var characters = Array(key.line)
        let index = characters.firstIndex(of: " ")! + "exams.example.edu".count + 5
        characters[index] = characters[index] == "A" ? "B" : "A"
        XCTAssertEqual(Self.code { try ServerPublicKey(line: String(characters)) }, .badData)
    }

    func testServerKeyFileRoundTripsAndIsPrivate() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("attest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let made = try ServerKeyFile.generate(name: "collector", in: folder)
        let loaded = try ServerKeyFile.load(made.key)
        XCTAssertEqual(loaded.identity, made.identity)
        XCTAssertEqual(try ServerPublicKey(contentsOf: made.pub), made.identity)
        let mode = try FileManager.default.attributesOfItem(atPath: made.key.path)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        let signed = Self.ticket.signed(by: loaded.key)
        XCTAssertEqual(try AttemptTicket.open(signed, publicKey: made.identity.publicKey), Self.ticket)
        XCTAssertEqual(Self.code { try ServerKeyFile.generate(name: "collector", in: folder) }, .usage)
    }

    // MARK: - Helpers

    static func code(_ body: () throws -> Any) -> ProctorError.Code? {
        do {
            _ = try body()
            return nil
        } catch let error as ProctorError {
            return error.code
        } catch {
            return .internalFailure
        }
    }

    /// The hex in docs/server.md after a line `<!-- vector: NAME -->`, joined over its lines.
    static func documentedVector(_ name: String) throws -> String {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/server.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        guard let marker = text.range(of: "<!-- vector: \(name) -->") else { throw ProctorError(.missingInput, "no vector '\(name)' in docs/server.md") }
        let after = text[marker.upperBound...].drop(while: { $0 == "\n" })
        guard after.hasPrefix("```") else { throw ProctorError(.badData, "vector '\(name)' is not followed by a code block") }
        let body = after.dropFirst(3).drop(while: { $0 != "\n" }).dropFirst()
        guard let end = body.range(of: "```") else { throw ProctorError(.badData, "vector '\(name)' has no closing fence") }
        return body[..<end.lowerBound].split(whereSeparator: \.isNewline).joined()
    }
}
