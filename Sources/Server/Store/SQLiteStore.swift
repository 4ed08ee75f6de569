import Foundation
import Logging
import NIOCore
import SQLiteNIO

/// `MetadataStore` in one SQLite file (WAL mode), the default for one machine. One connection;
/// every operation runs alone (`serially`), so a multi-statement step is a real transaction even
/// though each statement awaits the database's thread pool.
package actor SQLiteStore: MetadataStore {
    private let connection: SQLiteConnection
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    private init(connection: SQLiteConnection) {
        self.connection = connection
    }

    package static func open(_ url: URL, logger: Logger) async throws -> SQLiteStore {
        let connection = try await SQLiteConnection.open(storage: .file(path: url.path), logger: logger)
        let store = SQLiteStore(connection: connection)
        try await store.migrate()
        return store
    }

    package func close() async throws { try await connection.close() }

    static let schema = [
        "PRAGMA journal_mode = WAL",
        "PRAGMA busy_timeout = 5000",
        "PRAGMA foreign_keys = ON",
        """
        CREATE TABLE IF NOT EXISTS exams (exam_id TEXT PRIMARY KEY, exam_sha256 BLOB NOT NULL, exam_file BLOB NOT NULL,
            publisher TEXT NOT NULL, open_token_sha256 BLOB, opens_at INTEGER, closes_at INTEGER, published_at INTEGER NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS roster (exam_id TEXT NOT NULL REFERENCES exams(exam_id), student_id TEXT NOT NULL,
            code_sha256 BLOB NOT NULL, used_at INTEGER, PRIMARY KEY (exam_id, student_id))
        """,
        """
        CREATE TABLE IF NOT EXISTS attempts (attempt_id TEXT PRIMARY KEY, exam_id TEXT NOT NULL REFERENCES exams(exam_id),
            student_id TEXT NOT NULL, ticket BLOB NOT NULL, ticket_digest BLOB NOT NULL, not_after INTEGER NOT NULL,
            issued_at INTEGER NOT NULL, forked_at INTEGER, fork_sequence INTEGER)
        """,
        """
        CREATE TABLE IF NOT EXISTS checkpoints (attempt_id TEXT NOT NULL REFERENCES attempts(attempt_id), sequence INTEGER NOT NULL,
            part INTEGER NOT NULL, record_count INTEGER NOT NULL, sealed_bytes INTEGER NOT NULL, chain BLOB NOT NULL,
            media_us INTEGER NOT NULL, part_key BLOB, signed BLOB NOT NULL, received_at INTEGER NOT NULL,
            PRIMARY KEY (attempt_id, sequence))
        """,
        """
        CREATE TABLE IF NOT EXISTS uploads (attempt_id TEXT PRIMARY KEY REFERENCES attempts(attempt_id), length INTEGER NOT NULL,
            received INTEGER NOT NULL, started_at INTEGER NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS receipts (attempt_id TEXT PRIMARY KEY REFERENCES attempts(attempt_id), receipt BLOB NOT NULL,
            bundle_sha256 BLOB NOT NULL, size INTEGER NOT NULL, received_at INTEGER NOT NULL)
        """,
    ]

    private func migrate() async throws {
        try await serially {
            for statement in Self.schema { _ = try await connection.query(statement, []) }
        }
    }

    // MARK: - MetadataStore

    package func ping() async throws {
        try await serially { _ = try await connection.query("SELECT 1", []) }
    }

    package func publish(_ exam: ExamRecord, roster: [RosterEntry]) async throws -> Bool {
        try await transaction {
            let held = try await connection.query("SELECT exam_sha256 FROM exams WHERE exam_id = ?", [.text(exam.examId)])
            if !held.isEmpty { return false }
            _ = try await connection.query(
                "INSERT INTO exams VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [.text(exam.examId), .blob(exam.examSHA256), .blob(exam.examFile), .text(exam.publisher),
                 .optionalBlob(exam.openTokenSHA256), .optionalTime(exam.opensAt), .optionalTime(exam.closesAt), .time(exam.publishedAt)])
            for entry in roster {
                _ = try await connection.query("INSERT INTO roster VALUES (?, ?, ?, NULL)",
                                               [.text(entry.examId), .text(entry.studentId), .blob(entry.codeSHA256)])
            }
            return true
        }
    }

    package func exam(id: String) async throws -> ExamRecord? {
        try await serially {
            try await connection.query("SELECT * FROM exams WHERE exam_id = ?", [.text(id)]).first.map(Self.exam)
        }
    }

    package func exams() async throws -> [ExamRecord] {
        try await serially {
            try await connection.query("SELECT * FROM exams ORDER BY published_at, exam_id", []).map(Self.exam)
        }
    }

    package func rosterEntry(examId: String, studentId: String) async throws -> RosterEntry? {
        try await serially {
            try await connection.query("SELECT * FROM roster WHERE exam_id = ? AND student_id = ?", [.text(examId), .text(studentId)]).first.map(Self.rosterEntry)
        }
    }

    package func roster(examId: String) async throws -> [RosterEntry] {
        try await serially {
            try await connection.query("SELECT * FROM roster WHERE exam_id = ? ORDER BY student_id", [.text(examId)]).map(Self.rosterEntry)
        }
    }

    package func issue(_ attempt: AttemptRecord, claimingCode: Bool) async throws -> Bool {
        try await transaction {
            if claimingCode {
                let claimed = try await connection.query(
                    "UPDATE roster SET used_at = ? WHERE exam_id = ? AND student_id = ? AND used_at IS NULL RETURNING student_id",
                    [.time(attempt.issuedAt), .text(attempt.examId), .text(attempt.studentId)])
                if claimed.isEmpty { throw Rollback.codeUsed }
            }
            _ = try await connection.query(
                "INSERT INTO attempts VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
                [.text(attempt.attemptId), .text(attempt.examId), .text(attempt.studentId), .blob(attempt.ticket),
                 .blob(attempt.ticketDigest), .time(attempt.notAfter), .time(attempt.issuedAt)])
            return true
        } onRollback: { reason in
            reason == .codeUsed ? false : nil
        }
    }

    package func attempt(id: String) async throws -> AttemptRecord? {
        try await serially {
            try await connection.query("SELECT * FROM attempts WHERE attempt_id = ?", [.text(id)]).first.map(Self.attempt)
        }
    }

    package func attempts(examId: String) async throws -> [AttemptRecord] {
        try await serially {
            try await connection.query("SELECT * FROM attempts WHERE exam_id = ? ORDER BY issued_at, attempt_id", [.text(examId)]).map(Self.attempt)
        }
    }

    package func addCheckpoint(_ checkpoint: CheckpointRecord) async throws -> CheckpointRecord? {
        try await transaction {
            if let held = try await connection.query("SELECT * FROM checkpoints WHERE attempt_id = ? AND sequence = ?",
                                                     [.text(checkpoint.attemptId), .integer(Int(checkpoint.sequence))]).first {
                return try Self.checkpoint(held)
            }
            _ = try await connection.query(
                "INSERT INTO checkpoints VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [.text(checkpoint.attemptId), .integer(Int(checkpoint.sequence)), .integer(Int(checkpoint.part)),
                 .integer(Int(checkpoint.recordCount)), .integer(Int(checkpoint.sealedBytes)), .blob(checkpoint.chain),
                 .integer(Int(checkpoint.mediaTimeMicros)), .optionalBlob(checkpoint.partKey), .blob(checkpoint.signed),
                 .time(checkpoint.receivedAt)])
            return nil
        }
    }

    package func checkpoints(attemptId: String) async throws -> [CheckpointRecord] {
        try await serially {
            try await connection.query("SELECT * FROM checkpoints WHERE attempt_id = ? ORDER BY sequence", [.text(attemptId)]).map(Self.checkpoint)
        }
    }

    package func markFork(attemptId: String, sequence: UInt64, at date: Date) async throws {
        try await serially {
            _ = try await connection.query("UPDATE attempts SET forked_at = ?, fork_sequence = ? WHERE attempt_id = ? AND forked_at IS NULL",
                                           [.time(date), .integer(Int(sequence)), .text(attemptId)])
        }
    }

    package func upload(attemptId: String) async throws -> UploadRecord? {
        try await serially {
            try await connection.query("SELECT * FROM uploads WHERE attempt_id = ?", [.text(attemptId)]).first.map { row in
                UploadRecord(attemptId: try row.text("attempt_id"), length: try row.int("length"), offset: try row.int("received"),
                             startedAt: try row.time("started_at"))
            }
        }
    }

    package func saveUpload(_ upload: UploadRecord) async throws {
        try await serially {
            _ = try await connection.query(
                "INSERT INTO uploads VALUES (?, ?, ?, ?) ON CONFLICT(attempt_id) DO UPDATE SET received = excluded.received",
                [.text(upload.attemptId), .integer(upload.length), .integer(upload.offset), .time(upload.startedAt)])
        }
    }

    package func deleteUpload(attemptId: String) async throws {
        try await serially { _ = try await connection.query("DELETE FROM uploads WHERE attempt_id = ?", [.text(attemptId)]) }
    }

    package func saveReceipt(_ receipt: ReceiptRecord) async throws {
        try await serially {
            _ = try await connection.query("INSERT OR REPLACE INTO receipts VALUES (?, ?, ?, ?, ?)",
                                           [.text(receipt.attemptId), .blob(receipt.receipt), .blob(receipt.bundleSHA256),
                                            .integer(receipt.size), .time(receipt.receivedAt)])
        }
    }

    package func receipt(attemptId: String) async throws -> ReceiptRecord? {
        try await serially {
            try await connection.query("SELECT * FROM receipts WHERE attempt_id = ?", [.text(attemptId)]).first.map { row in
                ReceiptRecord(attemptId: try row.text("attempt_id"), receipt: try row.bytes("receipt"),
                              bundleSHA256: try row.bytes("bundle_sha256"), size: try row.int("size"), receivedAt: try row.time("received_at"))
            }
        }
    }

    // MARK: - Running alone

    private enum Rollback: Error { case codeUsed }

    /// The actor lets another call in at every `await`; this queue does not.
    private func serially<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        while busy { await withCheckedContinuation { waiting.append($0) } }
        busy = true
        defer {
            busy = false
            if !waiting.isEmpty { waiting.removeFirst().resume() }
        }
        return try await body()
    }

    private func transaction<T: Sendable>(_ body: () async throws -> T, onRollback: (Rollback) -> T? = { _ in nil }) async throws -> T {
        try await serially {
            _ = try await connection.query("BEGIN IMMEDIATE", [])
            do {
                let result = try await body()
                _ = try await connection.query("COMMIT", [])
                return result
            } catch {
                _ = try? await connection.query("ROLLBACK", [])
                if let reason = error as? Rollback, let result = onRollback(reason) { return result }
                throw error
            }
        }
    }

    private static func exam(_ row: SQLiteRow) throws -> ExamRecord {
        ExamRecord(examId: try row.text("exam_id"), examSHA256: try row.bytes("exam_sha256"), examFile: try row.bytes("exam_file"),
                   publisher: try row.text("publisher"), openTokenSHA256: row.optionalBytes("open_token_sha256"),
                   opensAt: row.optionalTime("opens_at"), closesAt: row.optionalTime("closes_at"),
                   publishedAt: try row.time("published_at"))
    }

    private static func rosterEntry(_ row: SQLiteRow) throws -> RosterEntry {
        RosterEntry(examId: try row.text("exam_id"), studentId: try row.text("student_id"),
                    codeSHA256: try row.bytes("code_sha256"), usedAt: row.optionalTime("used_at"))
    }

    private static func attempt(_ row: SQLiteRow) throws -> AttemptRecord {
        AttemptRecord(attemptId: try row.text("attempt_id"), examId: try row.text("exam_id"), studentId: try row.text("student_id"),
                      ticket: try row.bytes("ticket"), ticketDigest: try row.bytes("ticket_digest"),
                      notAfter: try row.time("not_after"), issuedAt: try row.time("issued_at"),
                      forkedAt: row.optionalTime("forked_at"), forkSequence: row.column("fork_sequence")?.integer.map { UInt64($0) })
    }

    private static func checkpoint(_ row: SQLiteRow) throws -> CheckpointRecord {
        CheckpointRecord(attemptId: try row.text("attempt_id"), sequence: UInt64(try row.int("sequence")), part: UInt32(try row.int("part")),
                         recordCount: UInt64(try row.int("record_count")), sealedBytes: UInt64(try row.int("sealed_bytes")),
                         chain: try row.bytes("chain"), mediaTimeMicros: UInt64(try row.int("media_us")),
                         partKey: row.optionalBytes("part_key"), signed: try row.bytes("signed"), receivedAt: try row.time("received_at"))
    }
}

// MARK: - Values in and out

extension SQLiteData {
    static func blob(_ bytes: [UInt8]) -> SQLiteData { .blob(ByteBuffer(bytes: bytes)) }
    static func optionalBlob(_ bytes: [UInt8]?) -> SQLiteData { bytes.map { .blob($0) } ?? .null }
    /// Times as Unix milliseconds, as on the wire.
    static func time(_ date: Date) -> SQLiteData { .integer(Int((date.timeIntervalSince1970 * 1000).rounded(.down))) }
    static func optionalTime(_ date: Date?) -> SQLiteData { date.map { .time($0) } ?? .null }
}

struct StoredValueMissing: Error, CustomStringConvertible {
    let column: String
    var description: String { "the database column \(column) is missing or has the wrong type" }
}

extension SQLiteRow {
    func text(_ name: String) throws -> String {
        guard let value = column(name)?.string else { throw StoredValueMissing(column: name) }
        return value
    }

    func int(_ name: String) throws -> Int {
        guard let value = column(name)?.integer else { throw StoredValueMissing(column: name) }
        return value
    }

    func bytes(_ name: String) throws -> [UInt8] {
        guard let value = column(name)?.blob else { throw StoredValueMissing(column: name) }
        return Array(value.readableBytesView)
    }

    func optionalBytes(_ name: String) -> [UInt8]? { column(name)?.blob.map { Array($0.readableBytesView) } }

    func time(_ name: String) throws -> Date { Date(timeIntervalSince1970: Double(try int(name)) / 1000) }

    func optionalTime(_ name: String) -> Date? { column(name)?.integer.map { Date(timeIntervalSince1970: Double($0) / 1000) } }
}
