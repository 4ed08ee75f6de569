import Foundation

/// Where `proctor serve` keeps its metadata: exams, rosters, tickets, checkpoints, uploads and
/// receipts. Bundles themselves are files (`BundleFolder`). Every method is one atomic step, so
/// several server processes can share one database (docs/server.md, "Deploying"); the decisions
/// (is this code right, is this checkpoint in order) are made by the server over these steps.
package protocol MetadataStore: Sendable {
    /// Answers when the database does (`/readyz`).
    func ping() async throws
    /// After the last request: the server's graceful stop.
    func close() async throws

    /// Stores an exam and its roster; false when this exact exam file is already published
    /// (a retry). A different file under the same exam id is the caller's conflict to report.
    func publish(_ exam: ExamRecord, roster: [RosterEntry]) async throws -> Bool
    func exam(id: String) async throws -> ExamRecord?
    /// Every published exam, oldest first (the instructor dashboard filters by publisher).
    func exams() async throws -> [ExamRecord]
    func rosterEntry(examId: String, studentId: String) async throws -> RosterEntry?
    /// An exam's roster by student id (the dashboard's "not started" list).
    func roster(examId: String) async throws -> [RosterEntry]

    /// Stores the ticket and, when `claimingCode`, marks the student's enrolment code used in
    /// the same step; false (and nothing stored) when the code was used already.
    func issue(_ attempt: AttemptRecord, claimingCode: Bool) async throws -> Bool
    func attempt(id: String) async throws -> AttemptRecord?
    /// An exam's attempts in the order their tickets were issued.
    func attempts(examId: String) async throws -> [AttemptRecord]

    /// Inserts a checkpoint unless one with its sequence is held; returns the held one then.
    func addCheckpoint(_ checkpoint: CheckpointRecord) async throws -> CheckpointRecord?
    func checkpoints(attemptId: String) async throws -> [CheckpointRecord]
    /// Records that a second, different chain was offered for an attempt.
    func markFork(attemptId: String, sequence: UInt64, at: Date) async throws

    func upload(attemptId: String) async throws -> UploadRecord?
    func saveUpload(_ upload: UploadRecord) async throws
    func deleteUpload(attemptId: String) async throws
    func saveReceipt(_ receipt: ReceiptRecord) async throws
    func receipt(attemptId: String) async throws -> ReceiptRecord?
}

package struct ExamRecord: Sendable, Equatable {
    package var examId: String
    package var examSHA256: [UInt8]
    /// The signed exam file as published.
    package var examFile: [UInt8]
    /// Who published it: the instructor key's `.pub` line.
    package var publisher: String
    /// SHA-256 of the institution token an open exam admits any student with; nil: roster only.
    package var openTokenSHA256: [UInt8]?
    package var opensAt: Date?
    package var closesAt: Date?
    package var publishedAt: Date
}

package struct RosterEntry: Sendable, Equatable {
    package var examId: String
    package var studentId: String
    /// `EnrolmentCode.digest`: the code itself is never sent to the server.
    package var codeSHA256: [UInt8]
    package var usedAt: Date?
}

package struct AttemptRecord: Sendable, Equatable {
    package var attemptId: String
    package var examId: String
    package var studentId: String
    /// The signed ticket bytes.
    package var ticket: [UInt8]
    package var ticketDigest: [UInt8]
    package var notAfter: Date
    package var issuedAt: Date
    package var forkedAt: Date?
    package var forkSequence: UInt64?
}

package struct CheckpointRecord: Sendable, Equatable {
    package var attemptId: String
    package var sequence: UInt64
    package var part: UInt32
    package var recordCount: UInt64
    package var sealedBytes: UInt64
    package var chain: [UInt8]
    package var mediaTimeMicros: UInt64
    package var partKey: [UInt8]?
    /// The signed checkpoint as received.
    package var signed: [UInt8]
    package var receivedAt: Date
}

package struct UploadRecord: Sendable, Equatable {
    package var attemptId: String
    /// `Upload-Length`: the bundle's size.
    package var length: Int
    /// Bytes held so far.
    package var offset: Int
    package var startedAt: Date
}

package struct ReceiptRecord: Sendable, Equatable {
    package var attemptId: String
    /// The signed receipt.
    package var receipt: [UInt8]
    package var bundleSHA256: [UInt8]
    package var size: Int
    package var receivedAt: Date
}
