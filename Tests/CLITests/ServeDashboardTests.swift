import Attest
import Exam
import Foundation
import Seal
import TestTools
import XCTest

/// The instructor dashboard on the real server: a token from `proctor exam dashboard`, the two
/// JSON endpoints with real attempts in three states, every refusal with its status, and the
/// page with its CSP. The JSON is checked against the required fields docs/server-api.yaml lists.
extension ServeTests {
    func testDashboardShowsEachAttemptsStateToItsInstructorOnly() async throws {
        XCTAssertEqual(try server.json("POST", "/v1/exams", try publication(students: ["s1", "s2", "s3"]).envelope(signedBy: identity)).status, 201)
        let exam = try ExamFile.load(examURL)
        // s1 records (two checkpoints); s2 records one and submits.
        let (live, liveTicket) = try ticket(for: "s1")
        let recording = try Recording(folder: folder, exam: exam, student: "s1", recipient: identity.recipientKey, ticket: liveTicket)
        for sequence in 0..<2 {
            try recording.append(2)
            XCTAssertEqual(try send(try recording.checkpoint(attemptId: live, ticket: liveTicket, sequence: UInt64(sequence), carriesKey: sequence == 0), live).status, 201)
        }
        let (done, doneTicket) = try ticket(for: "s2")
        let submitted = try Recording(folder: folder, exam: exam, student: "s2", recipient: identity.recipientKey, ticket: doneTicket)
        try submitted.append(3)
        XCTAssertEqual(try send(try submitted.checkpoint(attemptId: done, ticket: doneTicket, sequence: 0, carriesKey: true), done).status, 201)
        try submitted.finish()
        let bundle = try Array(Data(contentsOf: submitted.url))
        _ = try upload(bundle, attemptId: done, segment: 1 << 20)

        let made = try ProctorBinary.run(["exam", "dashboard", examURL.path, "--key", folder.appendingPathComponent("prof.key").path, "--token-only"])
        XCTAssertEqual(made.status, 0, made.stderr)
        let token = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let link = try ProctorBinary.run(["exam", "dashboard", examURL.path, "--key", folder.appendingPathComponent("prof.key").path, "--hours", "2"])
        XCTAssertTrue(link.stdout.hasPrefix("http://127.0.0.1:\(server.port)/dashboard#token="), link.stdout)

        let exams = try get("/v1/instructor/exams", token: token)
        XCTAssertEqual(exams.status, 200, exams.text)
        let examList = try json(exams)
        try assertRequired(examList, schema: "DashboardExams")
        let listed = try XCTUnwrap(examList["exams"] as? [[String: Any]])
        XCTAssertEqual(listed.map { $0["examId"] as? String }, ["srv-exam"])
        XCTAssertEqual(listed[0]["students"] as? Int, 3)
        XCTAssertEqual(listed[0]["attempts"] as? Int, 2)
        XCTAssertEqual(listed[0]["title"] as? String, "Server exam")
        try assertRequired(listed[0], schema: "DashboardExam")

        let answer = try get("/v1/instructor/exams/srv-exam/attempts", token: token)
        XCTAssertEqual(answer.status, 200, answer.text)
        let attempts = try json(answer)
        try assertRequired(attempts, schema: "DashboardAttempts")
        XCTAssertEqual(attempts["notStarted"] as? [String], ["s3"])
        XCTAssertEqual(attempts["checkpointSeconds"] as? Double, 10)
        let rows = try XCTUnwrap(attempts["attempts"] as? [[String: Any]])
        let byStudent = Dictionary(uniqueKeysWithValues: rows.map { ($0["studentId"] as! String, $0) })
        let s1 = try XCTUnwrap(byStudent["s1"]), s2 = try XCTUnwrap(byStudent["s2"])
        for row in rows { try assertRequired(row, schema: "DashboardAttempt") }
        XCTAssertEqual(s1["attemptId"] as? String, live)
        XCTAssertEqual(s1["status"] as? String, "recording")
        XCTAssertEqual(s1["checkpoints"] as? Int, 2)
        XCTAssertEqual(s1["mediaSeconds"] as? Double, 4, "the test recording's media clock: one second per record")
        XCTAssertLessThan(try XCTUnwrap(s1["lastCheckpointAgeSeconds"] as? Double), 30)
        XCTAssertEqual(s1["lateCheckpoints"] as? Int, 0)
        XCTAssertEqual((s1["gaps"] as? [Any])?.count, 0)
        XCTAssertNil(s1["receipt"])
        XCTAssertEqual(s2["status"] as? String, "received")
        let receipt = try XCTUnwrap(s2["receipt"] as? [String: Any])
        XCTAssertEqual(receipt["size"] as? Int, bundle.count)
        XCTAssertEqual(receipt["bundleSHA256"] as? String, SHA256.hash(bundle).hexString)
        XCTAssertEqual(receipt["allContained"] as? Bool, true)
        XCTAssertEqual(receipt["checkpoints"] as? Int, 1)

        // The received attempt's files, exactly as kept; nothing yet for the one still recording.
        let download = try get("/v1/instructor/attempts/\(done)/files/bundle", token: token)
        XCTAssertEqual(download.status, 200)
        XCTAssertEqual(Array(download.body), bundle)
        XCTAssertEqual(download.header("Content-Disposition"), "attachment; filename=\"\(done).proctor\"")
        let receiptFile = try get("/v1/instructor/attempts/\(done)/files/receipt", token: token)
        XCTAssertEqual(Array(receiptFile.body), try Array(Data(contentsOf: server.bundles.appendingPathComponent("\(done).receipt"))))
        let log = try get("/v1/instructor/attempts/\(done)/files/checkpoints", token: token)
        XCTAssertEqual(log.status, 200)
        // Downloaded under their own names, the three are what export attests from.
        let downloads = folder.appendingPathComponent("downloads")
        try FileManager.default.createDirectory(at: downloads, withIntermediateDirectories: true)
        for answer in [download, receiptFile, log] {
            let name = try XCTUnwrap(answer.header("Content-Disposition")?.split(separator: "\"").dropFirst().first.map(String.init))
            try answer.body.write(to: downloads.appendingPathComponent(name))
        }
        let out = folder.appendingPathComponent("report")
        let export = try ProctorBinary.run(["export", downloads.appendingPathComponent("\(done).proctor").path, "--key",
                                            folder.appendingPathComponent("prof.key").path, "--json", "-o", out.path, "--exams", folder.path])
        XCTAssertEqual(export.status, 0, export.stderr)
        let reportName = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: out.path).first { $0.hasSuffix(".json") })
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent(reportName))) as? [String: Any])
        let provenance = try XCTUnwrap(report["provenance"] as? [String: Any])
        XCTAssertEqual(provenance["originAttested"] as? Bool, true, "\(provenance)")
        XCTAssertEqual(try get("/v1/instructor/attempts/\(live)/files/bundle", token: token).errorCode, "no_receipt")
        XCTAssertEqual(try get("/v1/instructor/attempts/\(done)/files/..%2Fproctor.sqlite", token: token).errorCode, "unknown_file")
        XCTAssertEqual(try get("/v1/instructor/attempts/..%2F..%2Fetc/files/bundle", token: token).errorCode, "bad_attempt_id")
        XCTAssertEqual(try server.http.send("GET", "/v1/instructor/attempts/\(done)/files/bundle").status, 401)

        // Refusals, each with its status and code.
        XCTAssertEqual(try server.http.send("GET", "/v1/instructor/exams").errorCode, "missing_token")
        XCTAssertEqual(try server.http.send("GET", "/v1/instructor/exams").status, 401)
        XCTAssertEqual(try get("/v1/instructor/exams", token: "garbage").errorCode, "bad_token")
        let now = Date()
        let serverKeyText = Base64.encode(serverKey.publicKey)
        let expired = try InstructorToken(publisher: identity.recipientKey.line, server: serverKeyText,
                                          issuedAt: now.addingTimeInterval(-7200), expiresAt: now.addingTimeInterval(-3600)).signed(by: identity)
        let expiredAnswer = try get("/v1/instructor/exams", token: expired)
        XCTAssertEqual(expiredAnswer.status, 401)
        XCTAssertEqual(expiredAnswer.errorCode, "token_expired")
        let tooLong = try InstructorToken(publisher: identity.recipientKey.line, server: serverKeyText,
                                          issuedAt: now, expiresAt: now.addingTimeInterval(13 * 3600)).signed(by: identity)
        XCTAssertEqual(try get("/v1/instructor/exams", token: tooLong).errorCode, "bad_token")
        let elsewhere = try InstructorToken(publisher: identity.recipientKey.line, server: Base64.encode(Array(repeating: 7, count: 32)),
                                            issuedAt: now, expiresAt: now.addingTimeInterval(600)).signed(by: identity)
        let elsewhereAnswer = try get("/v1/instructor/exams", token: elsewhere)
        XCTAssertEqual(elsewhereAnswer.status, 403)
        XCTAssertEqual(elsewhereAnswer.errorCode, "other_server")
        let stranger = try InstructorIdentity.generate(name: "stranger")
        let strangerAnswer = try get("/v1/instructor/exams", token: try InstructorToken(
            publisher: stranger.recipientKey.line, server: serverKeyText, issuedAt: now, expiresAt: now.addingTimeInterval(600)).signed(by: stranger))
        XCTAssertEqual(strangerAnswer.status, 403)
        XCTAssertEqual(strangerAnswer.errorCode, "untrusted_publisher")
        // The stranger's signature over the trusted instructor's statement.
        let statement = try XCTUnwrap(token.split(separator: ".").first)
        let forgedSignature = try XCTUnwrap(try InstructorToken(publisher: identity.recipientKey.line, server: serverKeyText, issuedAt: now,
                                                                 expiresAt: now.addingTimeInterval(600)).signed(by: stranger).split(separator: ".").last)
        let forged = try get("/v1/instructor/exams", token: "\(statement).\(forgedSignature)")
        XCTAssertEqual(forged.status, 401)
        XCTAssertEqual(forged.errorCode, "bad_token")
        let unknown = try get("/v1/instructor/exams/nope/attempts", token: token)
        XCTAssertEqual(unknown.status, 404)
        XCTAssertEqual(unknown.errorCode, "unknown_exam")

        // The page and its assets come from the binary under the strict CSP.
        let page = try server.http.send("GET", "/dashboard")
        XCTAssertEqual(page.status, 200)
        XCTAssertEqual(page.header("Content-Type"), "text/html; charset=utf-8")
        XCTAssertTrue(page.text.contains("<script src=\"/dashboard.js\" defer></script>"), page.text)
        XCTAssertTrue(page.header("Content-Security-Policy")?.contains("default-src 'none'; script-src 'self'") ?? false)
        XCTAssertEqual(try server.http.send("GET", "/dashboard.js").header("Content-Type"), "text/javascript; charset=utf-8")
    }

    func get(_ path: String, token: String) throws -> RawHTTP.Response {
        try server.http.send("GET", path, headers: ["Authorization": "Bearer \(token)"])
    }

    func json(_ answer: RawHTTP.Response) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: answer.body) as? [String: Any], answer.text)
    }

    /// Every property docs/server-api.yaml marks required for `schema` is in `object`, and nothing else is.
    func assertRequired(_ object: [String: Any], schema: String, line: UInt = #line) throws {
        let yaml = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/server-api.yaml"), encoding: .utf8)
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = try XCTUnwrap(lines.firstIndex(of: "    \(schema):"), "no schema \(schema) in docs/server-api.yaml", line: line)
        let block = lines[(start + 1)...].prefix { $0.hasPrefix("      ") }
        let required = try XCTUnwrap(block.first { $0.hasPrefix("      required: [") }, "\(schema) lists no required fields", line: line)
        let names = required.drop { $0 != "[" }.dropFirst().prefix { $0 != "]" }.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for name in names { XCTAssertNotNil(object[name], "\(schema).\(name) is required by the API document", line: line) }
        let documented = Set(block.compactMap { text -> String? in
            guard text.hasPrefix("        "), !text.hasPrefix("         "), let colon = text.firstIndex(of: ":") else { return nil }
            return text[..<colon].trimmingCharacters(in: .whitespaces)
        })
        for key in object.keys { XCTAssertTrue(documented.contains(key), "\(schema).\(key) is answered but not in the API document", line: line) }
    }
}
