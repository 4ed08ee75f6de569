import Attest
import Exam
import Foundation
import PostgresTestServer
import Seal
import Synchronization
import TestTools
import XCTest

/// Two real `proctor serve` processes behind one imagined load balancer: one PostgreSQL
/// database (a private cluster this test starts), one data folder (key and bundles, the shared
/// storage of docs/server.md), and a client whose requests land on either.
extension ServeTests {
    func testTwoInstancesShareOnePostgreSQLDatabase() async throws {
        // setUp's SQLite instance made the server key the exam pins; the two instances use it too.
        XCTAssertEqual(server.stop(), 0)
        let cluster = try PostgresServer()
        // Stopped here, last, even when the test throws: `server` may still hold an instance that holds it.
        defer { cluster.stop() }
        let database = try cluster.createDatabase()
        let a = try ServeProcess(folder: folder, trusting: [identity.recipientKey.line], postgres: (cluster, database), configName: "serve-a.toml")
        let b = try ServeProcess(folder: folder, trusting: [identity.recipientKey.line], postgres: (cluster, database), configName: "serve-b.toml")
        defer {
            XCTAssertEqual(a.stop(), 0, "a graceful stop exits 0")
            XCTAssertEqual(b.stop(), 0, "a graceful stop exits 0")
        }
        XCTAssertEqual(a.keyLine, b.keyLine)
        XCTAssertEqual(try a.http.send("GET", "/readyz").status, 200)
        XCTAssertEqual(try b.http.send("GET", "/readyz").status, 200)

        server = a
        XCTAssertEqual(try publish().status, 201)
        server = b
        XCTAssertEqual(try publish().status, 200, "B finds the exam A published")
        try await assertCount("roster", 2)

        // A code claimed on A is refused on B.
        server = a
        let (attemptId, signedTicket) = try ticket(for: "s1")
        let reused = try b.json("POST", "/v1/exams/srv-exam/tickets", TicketRequest(student: "s1", code: codes["s1"]!))
        XCTAssertEqual(reused.status, 409)
        XCTAssertEqual(reused.errorCode, "code_used")

        // One code offered to both at the same moment: one ticket, one 409.
        let statuses = Mutex<[Int]>([])
        let ports = [a.port, b.port]
        let body = try JSONEncoder().encode(TicketRequest(student: "s2", code: codes["s2"]!))
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let answer = try? RawHTTP(port: ports[index]).send("POST", "/v1/exams/srv-exam/tickets", headers: ["Content-Type": "application/json"], body: body)
            statuses.withLock { $0.append(answer?.status ?? -1) }
        }
        XCTAssertEqual(statuses.withLock { $0.sorted() }, [201, 409])
        try await assertCount("attempts", 2)

        // Checkpoints alternate between the instances; a resend to the other one is a duplicate.
        let exam = try ExamFile.load(examURL)
        let recording = try Recording(folder: folder, exam: exam, student: "s1", recipient: identity.recipientKey, ticket: signedTicket)
        var sent: [[UInt8]] = []
        for sequence in 0..<4 {
            try recording.append(2)
            let checkpoint = try recording.checkpoint(attemptId: attemptId, ticket: signedTicket, sequence: UInt64(sequence), carriesKey: sequence == 0)
            server = sequence.isMultiple(of: 2) ? a : b
            XCTAssertEqual(try send(checkpoint, attemptId).status, 201, "checkpoint \(sequence)")
            sent.append(checkpoint)
        }
        server = a
        let resend = try send(sent[3], attemptId)
        XCTAssertEqual(resend.status, 200)
        XCTAssertTrue(resend.text.contains("\"duplicate\""), resend.text)
        try await assertCount("checkpoints", 4)

        // The upload goes to B, in segments, and the receipt is the same on both.
        try recording.finish()
        let bundle = try Array(Data(contentsOf: recording.url))
        server = b
        let receipt = try upload(bundle, attemptId: attemptId, segment: bundle.count / 3 + 1)
        XCTAssertEqual(receipt.checkpoints, .init(count: 4, lastSequence: 3, allContained: true, late: false))
        XCTAssertEqual(receipt.bundleSHA256, SHA256.hash(bundle))
        let fromA = try a.http.send("GET", "/v1/attempts/\(attemptId)/receipt")
        let fromB = try b.http.send("GET", "/v1/attempts/\(attemptId)/receipt")
        XCTAssertEqual(fromA.status, 200)
        XCTAssertEqual(try JSONDecoder().decode(ReceiptAnswer.self, from: fromA.body).receipt,
                       try JSONDecoder().decode(ReceiptAnswer.self, from: fromB.body).receipt)
        try await assertCount("receipts", 1)
        try await assertCount("uploads", 0)
        let late = try a.json("POST", "/v1/attempts/\(attemptId)/checkpoints",
                              CheckpointBody(checkpoint: Base64.encode(try recording.checkpoint(attemptId: attemptId, ticket: signedTicket,
                                                                                                 sequence: 4, carriesKey: false, unsigned: true))))
        XCTAssertEqual(late.status, 409)
        XCTAssertEqual(late.errorCode, "already_submitted", "A knows what B received")
        server = nil
    }
}
