import Attest
import Exam
import Foundation
import PostgresTestServer
import ProctorModel
import Seal
import TestTools
import XCTest

/// `proctor serve` as a real process on loopback, driven over HTTP: publish, tickets, live
/// checkpoints, the tus upload, the arrival check and the signed receipt, and every refusal
/// with its documented status and code, with the database read back to show nothing was stored.
class ServeTests: XCTestCase {
    /// `ServeOnPostgresTests` runs this whole suite with the metadata in PostgreSQL.
    class var metadataOnPostgres: Bool { false }
    nonisolated(unsafe) static var cluster: PostgresServer?

    override class func setUp() {
        super.setUp()
        guard metadataOnPostgres else { return }
        do { cluster = try PostgresServer() } catch { XCTFail("cannot start PostgreSQL: \(error)") }
    }

    override class func tearDown() {
        // Stopped here, not left to deinit: XCTest keeps every test case (and the server it
        // held, which holds the cluster) alive until the process ends.
        cluster?.stop()
        cluster = nil
        super.tearDown()
    }

    var folder: URL!
    var server: ServeProcess!
    var identity: InstructorIdentity!
    var examURL: URL!
    var serverKey: ServerPublicKey!
    var codes: [String: String] = [:]

    override func setUp() async throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let keygen = try ProctorBinary.run(["keygen", "--name", "prof", "--no-passphrase", "--out", folder.path])
        XCTAssertEqual(keygen.status, 0, keygen.stderr)
        let pub = try String(contentsOf: folder.appendingPathComponent("prof.pub"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        if Self.metadataOnPostgres {
            let cluster = try XCTUnwrap(Self.cluster)
            server = try ServeProcess(folder: folder, trusting: [pub], postgres: (cluster, try cluster.createDatabase()))
        } else {
            server = try ServeProcess(folder: folder, trusting: [pub])
        }
        serverKey = try ServerPublicKey(line: server.keyLine)
        try """
        [exam]
        id = "srv-exam"
        title = "Server exam"
        time_limit_minutes = 30

        [server]
        url = "http://127.0.0.1:\(server.port)/"
        key = "\(server.keyLine)"
        """.write(to: folder.appendingPathComponent("settings.toml"), atomically: true, encoding: .utf8)
        examURL = folder.appendingPathComponent("srv-exam.exam")
        let create = try ProctorBinary.run(["exam", "create", "--settings", folder.appendingPathComponent("settings.toml").path,
                                            "--key", folder.appendingPathComponent("prof.key").path, "--out", examURL.path])
        XCTAssertEqual(create.status, 0, create.stderr)
        identity = try InstructorIdentity.load(from: folder.appendingPathComponent("prof.key"), passphrase: .interactive)
        codes = ["s1": EnrolmentCode.generate(), "s2": EnrolmentCode.generate()]
    }

    override func tearDown() async throws {
        if let server { XCTAssertEqual(server.stop(), 0, "a graceful stop exits 0") }
        server = nil
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    func testPublishTicketCheckpointsUploadAndReceipt() async throws {
        let health = try server.http.send("GET", "/healthz")
        XCTAssertEqual(health.status, 200)
        XCTAssertEqual(try server.http.send("GET", "/readyz").status, 200)

        XCTAssertEqual(try publish().status, 201)
        let again = try publish()
        XCTAssertEqual(again.status, 200, "publishing the same exam again is a harmless retry")
        try await assertCount("exams", 1)
        try await assertCount("roster", 2)

        // Tickets: a wrong code, the right one, then the same code again.
        let wrong = try server.json("POST", "/v1/exams/srv-exam/tickets", TicketRequest(student: "s1", code: "AAAA-BBBB-CCCC"))
        XCTAssertEqual(wrong.status, 403)
        XCTAssertEqual(wrong.errorCode, "wrong_code")
        let (attemptId, signedTicket) = try ticket(for: "s1")
        let reused = try server.json("POST", "/v1/exams/srv-exam/tickets", TicketRequest(student: "s1", code: codes["s1"]!))
        XCTAssertEqual(reused.status, 409)
        XCTAssertEqual(reused.errorCode, "code_used")
        let stranger = try server.json("POST", "/v1/exams/srv-exam/tickets", TicketRequest(student: "s9", code: codes["s1"]!))
        XCTAssertEqual(stranger.errorCode, "not_enrolled")
        try await assertCount("attempts", 1)

        let ticket = try AttemptTicket.open(signedTicket, publicKey: serverKey.publicKey)
        let exam = try ExamFile.load(examURL)
        XCTAssertEqual(ticket.examFileSHA256, exam.sha256)
        XCTAssertEqual(ticket.studentId, "s1")
        XCTAssertEqual(ticket.attemptId, attemptId)
        XCTAssertEqual(ticket.issuedBy, "enrolment-code")
        XCTAssertEqual(ticket.notAfter.timeIntervalSince(ticket.notBefore), 30 * 60 + 15 * 60, accuracy: 0.002)

        // A recording sends two checkpoints; a resend is a duplicate, not a second one.
        let recording = try Recording(folder: folder, exam: exam, student: "s1", recipient: identity.recipientKey, ticket: signedTicket)
        try recording.append(3)
        let first = try recording.checkpoint(attemptId: attemptId, ticket: signedTicket, sequence: 0, carriesKey: true)
        XCTAssertEqual(try send(first, attemptId).status, 201)
        try recording.append(3)
        let second = try recording.checkpoint(attemptId: attemptId, ticket: signedTicket, sequence: 1, carriesKey: false)
        XCTAssertEqual(try send(second, attemptId).status, 201)
        let replay = try send(second, attemptId)
        XCTAssertEqual(replay.status, 200)
        XCTAssertTrue(replay.text.contains("\"duplicate\""), replay.text)

        try recording.append(2)
        var forged = try recording.checkpoint(attemptId: attemptId, ticket: signedTicket, sequence: 2, carriesKey: false)
        forged[forged.count - 1] ^= 0x01
        let refused = try send(forged, attemptId)
        XCTAssertEqual(refused.status, 403)
        XCTAssertEqual(refused.errorCode, "bad_signature")
        let skipped = try send(try recording.checkpoint(attemptId: attemptId, ticket: signedTicket, sequence: 5, carriesKey: false), attemptId)
        XCTAssertEqual(skipped.status, 409)
        XCTAssertEqual(skipped.errorCode, "out_of_order")
        try await assertCount("checkpoints", 2)

        try recording.finish()
        let bundle = try Array(Data(contentsOf: recording.url))
        let receipt = try upload(bundle, attemptId: attemptId, segment: bundle.count / 2 + 1)
        XCTAssertEqual(receipt.bundleSHA256, SHA256.hash(bundle))
        XCTAssertEqual(receipt.bundleSize, UInt64(bundle.count))
        XCTAssertEqual(receipt.attemptId, attemptId)
        XCTAssertEqual(receipt.checkpoints, .init(count: 2, lastSequence: 1, allContained: true, late: false))
        let kept = server.bundles.appendingPathComponent("\(attemptId).proctor")
        XCTAssertEqual(try Array(Data(contentsOf: kept)), bundle)
        XCTAssertEqual(try ServerReceipt.open(Array(Data(contentsOf: server.bundles.appendingPathComponent("\(attemptId).receipt"))),
                                              publicKey: serverKey.publicKey), receipt)
        try await assertCount("uploads", 0)
        try await assertCount("receipts", 1)
        let late = try send(try recording.checkpoint(attemptId: attemptId, ticket: signedTicket, sequence: 2, carriesKey: false, unsigned: true), attemptId)
        XCTAssertEqual(late.errorCode, "already_submitted")
    }

    /// A bundle recorded apart from the one whose checkpoints the server holds (a fabricated
    /// or re-recorded bundle) is received, and its receipt says the checkpoints are not in it.
    func testBundleWithoutTheHeldCheckpointsIsReceivedAsNotContained() async throws {
        XCTAssertEqual(try publish().status, 201)
        let (attemptId, signedTicket, _) = try recordingWithFirstCheckpoint("s2", records: 3)
        let other = try Recording(folder: folder, exam: try ExamFile.load(examURL), student: "s2", recipient: identity.recipientKey, ticket: signedTicket)
        try other.append(6)
        try other.finish()
        let receipt = try upload(try Array(Data(contentsOf: other.url)), attemptId: attemptId, segment: 1 << 20)
        XCTAssertEqual(receipt.checkpoints, .init(count: 1, lastSequence: 0, allContained: false, late: false))
    }

    /// The PATCH that completes an upload can fail after its last byte is stored (a database
    /// step that timed out under load: found by the load bench). The client's retry must then
    /// get its receipt, not an upload with nothing left to send and no receipt, forever. Both
    /// places it can stop: before the arrival check (the bundle still partial), and after the
    /// bundle and its signed receipt were kept but before the receipt's row was written.
    func testAnUploadCompletedWithoutAReceiptIsFinishedByTheRetry() async throws {
        XCTAssertEqual(try publish().status, 201)
        let (attemptId, _, recording) = try recordingWithFirstCheckpoint("s1", records: 4)
        try recording.finish()
        let bundle = try Array(Data(contentsOf: recording.url))
        let first = try upload(bundle, attemptId: attemptId, segment: 1 << 20)
        let path = "/v1/attempts/\(attemptId)/upload"
        let files = { (kind: String) in self.server.bundles.appendingPathComponent("\(attemptId).\(kind)") }
        // The state a failed final PATCH leaves: every byte counted, no receipt row.
        func interrupt(keptAlready: Bool) async throws {
            try await server.execute("DELETE FROM receipts")
            try await server.execute("INSERT INTO uploads VALUES ('\(attemptId)', \(bundle.count), \(bundle.count), 0)")
            if !keptAlready {
                try FileManager.default.moveItem(at: files("proctor"), to: files("partial"))
                try FileManager.default.removeItem(at: files("receipt"))
            }
            XCTAssertEqual(try server.http.send("GET", "/v1/attempts/\(attemptId)/receipt").status, 404)
        }

        // Stopped before the arrival check: the retried POST runs it and answers the full offset.
        try await interrupt(keptAlready: false)
        let created = try server.http.send("POST", path, headers: ["Tus-Resumable": "1.0.0", "Upload-Length": "\(bundle.count)"])
        XCTAssertEqual(created.status, 201, created.text)
        XCTAssertEqual(created.header("Upload-Offset"), "\(bundle.count)")
        let checked = try receipt(attemptId)
        XCTAssertEqual(checked.bundleSHA256, first.bundleSHA256)
        XCTAssertEqual(checked.checkpoints, .init(count: 1, lastSequence: 0, allContained: true, late: false))
        XCTAssertEqual(try Array(Data(contentsOf: files("proctor"))), bundle)
        XCTAssertFalse(FileManager.default.fileExists(atPath: files("partial").path))
        try await assertCount("uploads", 0)
        try await assertCount("receipts", 1)

        // Stopped after the bundle and its receipt were kept: a HEAD records the kept receipt.
        try await interrupt(keptAlready: true)
        let kept = try Array(Data(contentsOf: files("receipt")))
        XCTAssertEqual(try server.http.send("HEAD", path).header("Upload-Offset"), "\(bundle.count)")
        let answer = try server.http.send("GET", "/v1/attempts/\(attemptId)/receipt")
        XCTAssertEqual(answer.status, 200, answer.text)
        XCTAssertEqual(try XCTUnwrap(Base64.decode(try JSONDecoder().decode(ReceiptAnswer.self, from: answer.body).receipt)), kept,
                       "the receipt recorded is the one kept beside the bundle")
        try await assertCount("uploads", 0)
        try await assertCount("receipts", 1)
    }

    /// Every path and method docs/server-api.yaml describes is served (an answer other than the
    /// router's own `not_found`), with a JSON error body for the refusals.
    func testEveryRouteInTheOpenAPIDocumentIsServed() throws {
        let yaml = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/server-api.yaml"), encoding: .utf8)
        var routes: [(String, String)] = []
        var path: String?
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("  /"), line.hasSuffix(":") { path = String(line.dropFirst(2).dropLast()) }
            else if !line.hasPrefix("    ") { path = line.hasPrefix("  ") ? path : nil }
            if let path, let method = ["get", "post", "head", "patch"].first(where: { line == "    \($0):" }) { routes.append((method.uppercased(), path)) }
        }
        XCTAssertEqual(routes.count, 13, "\(routes)")
        let attempt = String(repeating: "a", count: 32)
        for (method, template) in routes {
            let concrete = template.replacingOccurrences(of: "{exam}", with: "srv-exam").replacingOccurrences(of: "{attempt}", with: attempt)
                .replacingOccurrences(of: "{kind}", with: "bundle")
            let answer = try server.http.send(method, concrete, headers: ["Content-Type": "application/json"], body: Data("{}".utf8))
            XCTAssertNotEqual(answer.errorCode, "not_found", "\(method) \(template) is not served")
            XCTAssertNotEqual(answer.status, 405, "\(method) \(template)")
            if answer.status >= 400, method != "HEAD" { XCTAssertNotNil(answer.errorCode, "\(method) \(template): \(answer.text)") }
        }
    }

    /// Five wrong codes lock that student out for the window, even with the right code; others are not affected.
    func testWrongCodesAreLimitedPerStudent() async throws {
        XCTAssertEqual(try publish().status, 201)
        for _ in 0..<5 {
            XCTAssertEqual(try server.json("POST", "/v1/exams/srv-exam/tickets", TicketRequest(student: "s1", code: "0000-0000-0000")).errorCode, "wrong_code")
        }
        let locked = try server.json("POST", "/v1/exams/srv-exam/tickets", TicketRequest(student: "s1", code: codes["s1"]!))
        XCTAssertEqual(locked.status, 429)
        XCTAssertEqual(locked.errorCode, "too_many_attempts")
        try await assertCount("attempts", 0)
        _ = try ticket(for: "s2")
    }

    /// A bundle cut back to its third checkpoint and finished again (what a student who removes
    /// the end of a recording can make) is received as not containing the fourth, and export
    /// names the records missing after checkpoint 3.
    func testTruncatedBundleIsReportedAsMissingRecordsAfterCheckpointThree() async throws {
        XCTAssertEqual(try publish().status, 201)
        let exam = try ExamFile.load(examURL)
        let (attemptId, signedTicket) = try ticket(for: "s1")
        let recording = try Recording(folder: folder, exam: exam, student: "s1", recipient: identity.recipientKey, ticket: signedTicket)
        var cut = 0
        for sequence in 0..<4 {
            try recording.append(3)
            XCTAssertEqual(try send(try recording.checkpoint(attemptId: attemptId, ticket: signedTicket, sequence: UInt64(sequence),
                                                             carriesKey: sequence == 0), attemptId).status, 201)
            if sequence == 2 { cut = try XCTUnwrap(try BundleChain.lastPoint(of: recording.url)).offset }
        }
        try recording.writer.sync()
        let handle = try FileHandle(forWritingTo: recording.url)
        try handle.truncate(atOffset: UInt64(cut))
        try handle.close()
        let resumed = try BundleWriter.resume(at: recording.url)
        try resumed.append(.media, Array(repeating: 9, count: 100))
        try resumed.finish(mediaDuration: 10)
        let receipt = try upload(try Array(Data(contentsOf: recording.url)), attemptId: attemptId, segment: 1 << 20)
        XCTAssertEqual(receipt.checkpoints, .init(count: 4, lastSequence: 3, allContained: false, late: false))

        let out = folder.appendingPathComponent("report")
        let export = try ProctorBinary.run(["export", server.bundles.appendingPathComponent("\(attemptId).proctor").path,
                                            "--key", folder.appendingPathComponent("prof.key").path, "--json", "-o", out.path,
                                            "--exams", folder.path])
        XCTAssertEqual(export.status, 0, export.stderr)
        let name = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: out.path).first { $0.hasSuffix(".json") })
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent(name))) as? [String: Any])
        let provenance = try XCTUnwrap(report["provenance"] as? [String: Any])
        let line = try XCTUnwrap(provenance["originLine"] as? String)
        XCTAssertEqual(provenance["originAttested"] as? Bool, false)
        XCTAssertTrue(line.hasPrefix("ORIGIN NOT ATTESTED by "), line)
        XCTAssertTrue(line.contains("4 checkpoints, records missing after checkpoint 3 (the bundle does not contain checkpoint 4 of 4"), line)
    }

    /// A bundle without a ticket (fabricated from public inputs) or under another attempt's
    /// ticket is refused on arrival, and nothing of it is kept.
    func testBundleWithoutOrWithAnotherTicketIsRefusedAndDeleted() async throws {
        XCTAssertEqual(try publish().status, 201)
        let exam = try ExamFile.load(examURL)
        let (attemptId, _) = try ticket(for: "s1")
        let (_, otherTicket) = try ticket(for: "s2")
        for (ticket, code) in [(nil, "bundle_without_ticket"), (otherTicket, "bundle_other_attempt")] as [([UInt8]?, String)] {
            let fabricated = try Recording(folder: folder, exam: exam, student: "s1", recipient: identity.recipientKey, ticket: ticket)
            try fabricated.append(3)
            try fabricated.finish()
            let bundle = try Array(Data(contentsOf: fabricated.url))
            let path = "/v1/attempts/\(attemptId)/upload"
            XCTAssertEqual(try server.http.send("POST", path, headers: ["Upload-Length": "\(bundle.count)"]).status, 201)
            let patch = try server.http.send("PATCH", path, headers: ["Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"], body: Data(bundle))
            XCTAssertEqual(patch.status, 422, patch.text)
            XCTAssertEqual(patch.errorCode, code)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: server.bundles.path), [])
            try await assertCount("uploads", 0)
            try await assertCount("receipts", 0)
        }
    }

    func testBadInputIsRefusedWithItsCodeAndNothingIsStored() async throws {
        XCTAssertEqual(try publish().status, 201)
        let (attemptId, _) = try ticket(for: "s1")
        let before = try await counts()

        let malformed = try server.http.send("POST", "/v1/exams", headers: ["Content-Type": "application/json"], body: Data("{\"publication\": ".utf8))
        XCTAssertEqual(malformed.status, 400)
        XCTAssertEqual(malformed.errorCode, "malformed_json")
        let oversized = try server.http.send("POST", "/v1/exams/srv-exam/tickets", body: Data(repeating: 0x20, count: 20_000))
        XCTAssertEqual(oversized.status, 413)
        XCTAssertEqual(oversized.errorCode, "body_too_large")
        for path in ["/v1/attempts/..%2F..%2Fproctor.sqlite/checkpoints", "/v1/attempts/\(attemptId.uppercased())/checkpoints",
                     "/v1/attempts/%2Fetc%2Fpasswd/upload"] {
            let answer = try server.http.send("POST", path, headers: ["Upload-Length": "10"], body: Data("{\"checkpoint\":\"AA==\"}".utf8))
            XCTAssertEqual(answer.status, 400, path)
            XCTAssertEqual(answer.errorCode, "bad_attempt_id", path)
        }
        let unknown = try server.json("POST", "/v1/attempts/\(String(repeating: "0", count: 32))/checkpoints", CheckpointBody(checkpoint: "AA=="))
        XCTAssertEqual(unknown.status, 404)
        XCTAssertEqual(unknown.errorCode, "unknown_attempt")
        let garbage = try server.json("POST", "/v1/attempts/\(attemptId)/checkpoints", CheckpointBody(checkpoint: Base64.encode(Array(repeating: 7, count: 100))))
        XCTAssertEqual(garbage.status, 400)
        XCTAssertEqual(garbage.errorCode, "malformed_checkpoint")

        // Someone the server does not trust, and a trusted key over edited bytes.
        let stranger = try InstructorIdentity.generate(name: "stranger")
        let untrusted = try server.json("POST", "/v1/exams", try publication().envelope(signedBy: stranger))
        XCTAssertEqual(untrusted.status, 403)
        XCTAssertEqual(untrusted.errorCode, "untrusted_publisher")
        var edited = try publication(students: ["s1", "s2", "s3"]).envelope(signedBy: identity)
        edited.signature = try publication().envelope(signedBy: identity).signature
        let forged = try server.json("POST", "/v1/exams", edited)
        XCTAssertEqual(forged.status, 403)
        XCTAssertEqual(forged.errorCode, "bad_signature")
        let noUpload = try server.http.send("PATCH", "/v1/attempts/\(attemptId)/upload",
                                            headers: ["Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"], body: Data([1]))
        XCTAssertEqual(noUpload.errorCode, "no_upload")

        let after = try await counts()
        XCTAssertEqual(after, before, "no refused request stored anything")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: server.bundles.path), [])
    }

    // MARK: - Steps

    struct TicketRequest: Encodable { let student: String; let code: String }
    struct CheckpointBody: Encodable { let checkpoint: String }
    struct TicketAnswer: Decodable { let attemptId: String; let ticket: String }
    struct ReceiptAnswer: Decodable { let receipt: String }

    func publication(students: [String] = ["s1", "s2"]) throws -> Publication {
        let roster = students.map { student in
            Publication.Student(student: student, codeSHA256: EnrolmentCode.digest(examId: "srv-exam", studentId: student, code: codes[student] ?? "X").hexString)
        }
        return Publication(exam: Base64.encode(try Array(Data(contentsOf: examURL))), roster: roster, signedAt: Date())
    }

    func publish() throws -> RawHTTP.Response {
        try server.json("POST", "/v1/exams", try publication().envelope(signedBy: identity))
    }

    func ticket(for student: String) throws -> (String, [UInt8]) {
        let answer = try server.json("POST", "/v1/exams/srv-exam/tickets", TicketRequest(student: student, code: codes[student]!))
        XCTAssertEqual(answer.status, 201, answer.text)
        let body = try JSONDecoder().decode(TicketAnswer.self, from: answer.body)
        return (body.attemptId, try XCTUnwrap(Base64.decode(body.ticket)))
    }

    func send(_ checkpoint: [UInt8], _ attemptId: String) throws -> RawHTTP.Response {
        try server.json("POST", "/v1/attempts/\(attemptId)/checkpoints", CheckpointBody(checkpoint: Base64.encode(checkpoint)))
    }

    /// tus: create, PATCH in segments (a HEAD and a wrong offset between), then the receipt.
    func upload(_ bundle: [UInt8], attemptId: String, segment: Int) throws -> ServerReceipt {
        let path = "/v1/attempts/\(attemptId)/upload"
        let created = try server.http.send("POST", path, headers: ["Tus-Resumable": "1.0.0", "Upload-Length": "\(bundle.count)"])
        XCTAssertEqual(created.status, 201, created.text)
        var offset = 0
        while offset < bundle.count {
            let end = min(offset + segment, bundle.count)
            let patch = try server.http.send("PATCH", path, headers: ["Tus-Resumable": "1.0.0", "Upload-Offset": "\(offset)",
                                                                      "Content-Type": "application/offset+octet-stream"],
                                             body: Data(bundle[offset..<end]))
            XCTAssertEqual(patch.status, 204, patch.text)
            offset = end
            XCTAssertEqual(patch.header("Upload-Offset"), "\(offset)")
            if offset < bundle.count {
                XCTAssertEqual(try server.http.send("HEAD", path).header("Upload-Offset"), "\(offset)")
                let stale = try server.http.send("PATCH", path, headers: ["Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"], body: Data([0]))
                XCTAssertEqual(stale.status, 409)
                XCTAssertEqual(stale.errorCode, "offset_mismatch")
            }
        }
        return try receipt(attemptId)
    }

    /// A ticket for `student` and a recording under it with `records` sealed and its first
    /// checkpoint (the one carrying the part key) accepted.
    func recordingWithFirstCheckpoint(_ student: String, records: Int) throws -> (attemptId: String, ticket: [UInt8], recording: Recording) {
        let (attemptId, signedTicket) = try ticket(for: student)
        let recording = try Recording(folder: folder, exam: try ExamFile.load(examURL), student: student, recipient: identity.recipientKey,
                                      ticket: signedTicket)
        try recording.append(records)
        XCTAssertEqual(try send(try recording.checkpoint(attemptId: attemptId, ticket: signedTicket, sequence: 0, carriesKey: true), attemptId).status, 201)
        return (attemptId, signedTicket, recording)
    }

    /// `GET .../receipt`, opened under the server's key.
    func receipt(_ attemptId: String) throws -> ServerReceipt {
        let answer = try server.http.send("GET", "/v1/attempts/\(attemptId)/receipt")
        XCTAssertEqual(answer.status, 200, answer.text)
        let signed = try XCTUnwrap(Base64.decode(try JSONDecoder().decode(ReceiptAnswer.self, from: answer.body).receipt))
        return try ServerReceipt.open(signed, publicKey: serverKey.publicKey)
    }

    func assertCount(_ table: String, _ expected: Int, line: UInt = #line) async throws {
        let count = try await server.count(table)
        XCTAssertEqual(count, expected, "rows in \(table)", line: line)
    }

    func counts() async throws -> [Int] {
        var result: [Int] = []
        for table in ["exams", "roster", "attempts", "checkpoints", "uploads", "receipts"] { result.append(try await server.count(table)) }
        return result
    }

    /// A bundle written as a recording writes it, with checkpoints made from what is flushed.
    final class Recording {
        let writer: BundleWriter
        let url: URL

        init(folder: URL, exam: ExamFile, student: String, recipient: RecipientKey, ticket: [UInt8]?) throws {
            url = folder.appendingPathComponent("\(UUID().uuidString).proctor")
            var header = try BundleHeader(examId: exam.settings.id, examFileSHA256: exam.sha256, studentId: student,
                                          sessionId: UUID().uuidString, startTime: Date(), recipients: [BundleRecipient(recipient)])
            header.attemptTicket = ticket
            writer = try BundleWriter(creating: url, header: header)
        }

        func append(_ records: Int) throws {
            for index in 0..<records { try writer.append(.media, Array(repeating: UInt8(index), count: 1000 + index)) }
            try writer.sync()
        }

        func checkpoint(attemptId: String, ticket: [UInt8], sequence: UInt64, carriesKey: Bool, unsigned: Bool = false) throws -> [UInt8] {
            let point = try XCTUnwrap(try BundleChain.lastPoint(of: url))
            let checkpoint = Checkpoint(point, attemptId: attemptId, ticketDigest: AttemptTicket.digest(of: ticket), sequence: sequence,
                                        mediaTimeMicros: UInt64(point.records) * 1_000_000, carriesPartKey: carriesKey)
            return unsigned ? checkpoint.body + Array(repeating: 0, count: 64) : try checkpoint.signed(byPartOf: writer)
        }

        func finish() throws { try writer.finish(mediaDuration: 10) }
    }
}
