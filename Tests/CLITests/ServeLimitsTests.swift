import Attest
import Exam
import Foundation
import Seal
import TestTools
import XCTest

/// What the server refuses for time and rate: checkpoints under an expired ticket, uploads that
/// start after the late window, and more requests per attempt than `[limits] requests_per_minute`.
extension ServeTests {
    func testAnExpiredTicketTakesNoCheckpointsAndALateUploadOnlyWithinTheWindow() async throws {
        XCTAssertEqual(try publish().status, 201)
        let (attemptId, signedTicket, recording) = try recordingWithFirstCheckpoint("s1", records: 2)

        // The ticket ended a minute ago: inside the default 72-hour late window.
        let millis = Int((Date().timeIntervalSince1970 - 60) * 1000)
        try await server.execute("UPDATE attempts SET not_after = \(millis) WHERE attempt_id = '\(attemptId)'")
        try recording.append(2)
        let expired = try send(try recording.checkpoint(attemptId: attemptId, ticket: signedTicket, sequence: 1, carriesKey: false), attemptId)
        XCTAssertEqual(expired.status, 403)
        XCTAssertEqual(expired.errorCode, "ticket_expired")
        try await assertCount("checkpoints", 1)
        try recording.finish()
        let bundle = try Array(Data(contentsOf: recording.url))
        let receipt = try upload(bundle, attemptId: attemptId, segment: 1 << 20)
        XCTAssertEqual(receipt.checkpoints, .init(count: 1, lastSequence: 0, allContained: true, late: true), "received, and marked late")

        // Another student's ticket ended 73 hours ago: the upload is refused before anything is stored.
        let (other, otherTicket) = try ticket(for: "s2")
        let old = Int((Date().timeIntervalSince1970 - 73 * 3600) * 1000)
        try await server.execute("UPDATE attempts SET not_after = \(old) WHERE attempt_id = '\(other)'")
        let late = try Recording(folder: folder, exam: try ExamFile.load(examURL), student: "s2", recipient: identity.recipientKey, ticket: otherTicket)
        try late.append(2)
        try late.finish()
        let refused = try server.http.send("POST", "/v1/attempts/\(other)/upload", headers: ["Tus-Resumable": "1.0.0", "Upload-Length": "\(try Data(contentsOf: late.url).count)"])
        XCTAssertEqual(refused.status, 403)
        XCTAssertEqual(refused.errorCode, "ticket_expired")
        try await assertCount("uploads", 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: server.bundles.appendingPathComponent("\(other).partial").path))
    }

    /// One request a minute, bursts of two: the third request for one attempt is a 429 with
    /// Retry-After, and another attempt still has its own allowance.
    func testRequestsPerAttemptAreRateLimited() throws {
        let limited = folder.appendingPathComponent("limited")
        try FileManager.default.createDirectory(at: limited, withIntermediateDirectories: true)
        let slow = try ServeProcess(folder: limited, trusting: [identity.recipientKey.line], extraConfig: "\n[limits]\nrequests_per_minute = 1\n")
        defer { XCTAssertEqual(slow.stop(), 0) }
        let one = "/v1/attempts/\(String(repeating: "1", count: 32))/receipt"
        XCTAssertEqual(try slow.http.send("GET", one).errorCode, "unknown_attempt")
        XCTAssertEqual(try slow.http.send("GET", one).errorCode, "unknown_attempt")
        let third = try slow.http.send("GET", one)
        XCTAssertEqual(third.status, 429)
        XCTAssertEqual(third.errorCode, "rate_limited")
        XCTAssertEqual(third.header("Retry-After"), "60")
        XCTAssertEqual(try slow.http.send("GET", "/v1/attempts/\(String(repeating: "2", count: 32))/receipt").errorCode, "unknown_attempt")
    }

    /// A checkpoint whose sizes do not fit the database's 64-bit signed integers, signed under
    /// the part key it carries: 400, nothing stored, and the server still answers.
    func testCheckpointSizesBeyondTheDatabaseRangeAreRefused() async throws {
        XCTAssertEqual(try publish().status, 201)
        let exam = try ExamFile.load(examURL)
        let (attemptId, signedTicket) = try ticket(for: "s1")
        let recording = try Recording(folder: folder, exam: exam, student: "s1", recipient: identity.recipientKey, ticket: signedTicket)
        try recording.append(2)
        let point = try XCTUnwrap(try BundleChain.lastPoint(of: recording.url))
        var huge = Checkpoint(point, attemptId: attemptId, ticketDigest: AttemptTicket.digest(of: signedTicket), sequence: 0,
                              mediaTimeMicros: 2_000_000, carriesPartKey: true)
        huge.sealedBytes = UInt64.max
        let refused = try send(try huge.signed(byPartOf: recording.writer), attemptId)
        XCTAssertEqual(refused.status, 400)
        XCTAssertEqual(refused.errorCode, "malformed_checkpoint")
        try await assertCount("checkpoints", 0)
        XCTAssertEqual(try server.http.send("GET", "/healthz").status, 200)
    }
}
