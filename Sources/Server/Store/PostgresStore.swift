import Foundation
import Logging
import NIOCore
import PostgresNIO

/// `MetadataStore` in one PostgreSQL database, shared by several `proctor serve` instances
/// (docs/server.md, "Several instances"). Each step is one statement or one transaction on a
/// pooled connection, and every decision that two instances could race on is made by the
/// database: the code claim is a conditional `UPDATE ... WHERE used_at IS NULL`, which PostgreSQL
/// re-checks on the newest row after waiting for a concurrent claim, and a checkpoint is
/// `INSERT ... ON CONFLICT DO NOTHING` on its (attempt, sequence) key.
package final class PostgresStore: MetadataStore {
    private let client: PostgresClient
    private let running: Task<Void, Never>
    private let logger: Logger

    private init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
        running = Task { await client.run() }
    }

    /// Connects once directly, so a wrong password or an unreachable host fails the start with
    /// PostgreSQL's own reason, migrates the schema, then serves from a pool.
    package static func open(_ settings: PostgresSettings, password: String?, logger: Logger) async throws -> PostgresStore {
        let tls: PostgresConnection.Configuration.TLS
        let poolTLS: PostgresClient.Configuration.TLS
        switch settings.tls {
        case .disable:
            tls = .disable
            poolTLS = .disable
        case .prefer:
            tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            poolTLS = .prefer(.makeClientConfiguration())
        case .require:
            tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            poolTLS = .require(.makeClientConfiguration())
        }
        let direct = PostgresConnection.Configuration(host: settings.host, port: settings.port, username: settings.user,
                                                      password: password, database: settings.database, tls: tls)
        let connection = try await PostgresConnection.connect(configuration: direct, id: 0, logger: logger)
        do {
            try await PostgresSchema.migrate(connection, logger: logger)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()

        var configuration = PostgresClient.Configuration(host: settings.host, port: settings.port, username: settings.user,
                                                         password: password, database: settings.database, tls: poolTLS)
        configuration.options.maximumConnections = settings.maxConnections
        // The pool's own chatter (a connection being made as the pool closes) is not an event.
        var background = logger
        background.logLevel = max(logger.logLevel, .warning)
        return PostgresStore(client: PostgresClient(configuration: configuration, backgroundLogger: background), logger: logger)
    }

    package func close() async throws {
        running.cancel()
        await running.value
    }

    // MARK: - MetadataStore

    package func ping() async throws {
        try await bounded { [self] in
            try await client.query("SELECT 1", logger: logger)
        }
    }

    package func publish(_ exam: ExamRecord, roster: [RosterEntry]) async throws -> Bool {
        try await bounded { [self] in
            try await client.withTransaction(logger: logger) { connection in
                // A concurrent publish of the same id waits on the key here, then finds it taken.
                let inserted = try await connection.query("""
                    INSERT INTO exams VALUES (\(exam.examId), \(ByteBuffer(bytes: exam.examSHA256)), \(ByteBuffer(bytes: exam.examFile)),
                        \(exam.publisher), \(exam.openTokenSHA256.map { ByteBuffer(bytes: $0) }), \(exam.opensAt.map(Self.millis)),
                        \(exam.closesAt.map(Self.millis)), \(Self.millis(exam.publishedAt)))
                    ON CONFLICT (exam_id) DO NOTHING RETURNING exam_id
                    """, logger: logger).collect()
                guard !inserted.isEmpty else { return false }
                for entry in roster {
                    try await connection.query("""
                        INSERT INTO roster VALUES (\(entry.examId), \(entry.studentId), \(ByteBuffer(bytes: entry.codeSHA256)), NULL)
                        """, logger: logger)
                }
                return true
            }
        }
    }

    package func exam(id: String) async throws -> ExamRecord? {
        try await bounded { [self] in
            try await client.query("SELECT * FROM exams WHERE exam_id = \(id)", logger: logger).collect().first.map(Self.exam)
        }
    }

    package func exams() async throws -> [ExamRecord] {
        try await bounded { [self] in
            try await client.query("SELECT * FROM exams ORDER BY published_at, exam_id", logger: logger).collect().map(Self.exam)
        }
    }

    package func rosterEntry(examId: String, studentId: String) async throws -> RosterEntry? {
        try await bounded { [self] in
            try await client.query("SELECT * FROM roster WHERE exam_id = \(examId) AND student_id = \(studentId)", logger: logger)
                .collect().first.map(Self.rosterEntry)
        }
    }

    package func roster(examId: String) async throws -> [RosterEntry] {
        try await bounded { [self] in
            try await client.query("SELECT * FROM roster WHERE exam_id = \(examId) ORDER BY student_id", logger: logger).collect().map(Self.rosterEntry)
        }
    }

    package func issue(_ attempt: AttemptRecord, claimingCode: Bool) async throws -> Bool {
        try await bounded { [self] in
            try await client.withTransaction(logger: logger) { connection in
                if claimingCode {
                    let claimed = try await connection.query("""
                        UPDATE roster SET used_at = \(Self.millis(attempt.issuedAt))
                        WHERE exam_id = \(attempt.examId) AND student_id = \(attempt.studentId) AND used_at IS NULL RETURNING student_id
                        """, logger: logger).collect()
                    // Nothing written yet in this transaction: returning ends it with a harmless COMMIT.
                    if claimed.isEmpty { return false }
                }
                try await connection.query("""
                    INSERT INTO attempts VALUES (\(attempt.attemptId), \(attempt.examId), \(attempt.studentId), \(ByteBuffer(bytes: attempt.ticket)),
                        \(ByteBuffer(bytes: attempt.ticketDigest)), \(Self.millis(attempt.notAfter)), \(Self.millis(attempt.issuedAt)), NULL, NULL)
                    """, logger: logger)
                return true
            }
        }
    }

    package func attempt(id: String) async throws -> AttemptRecord? {
        try await bounded { [self] in
            try await client.query("SELECT * FROM attempts WHERE attempt_id = \(id)", logger: logger).collect().first.map(Self.attempt)
        }
    }

    package func attempts(examId: String) async throws -> [AttemptRecord] {
        try await bounded { [self] in
            try await client.query("SELECT * FROM attempts WHERE exam_id = \(examId) ORDER BY issued_at, attempt_id", logger: logger)
                .collect().map(Self.attempt)
        }
    }

    package func addCheckpoint(_ checkpoint: CheckpointRecord) async throws -> CheckpointRecord? {
        try await bounded { [self] in
            let inserted = try await client.query("""
                INSERT INTO checkpoints VALUES (\(checkpoint.attemptId), \(Int64(checkpoint.sequence)), \(Int64(checkpoint.part)),
                    \(Int64(checkpoint.recordCount)), \(Int64(checkpoint.sealedBytes)), \(ByteBuffer(bytes: checkpoint.chain)),
                    \(Int64(checkpoint.mediaTimeMicros)), \(checkpoint.partKey.map { ByteBuffer(bytes: $0) }), \(ByteBuffer(bytes: checkpoint.signed)),
                    \(Self.millis(checkpoint.receivedAt)))
                ON CONFLICT (attempt_id, sequence) DO NOTHING RETURNING sequence
                """, logger: logger).collect()
            if !inserted.isEmpty { return nil }
            // The conflicting row was committed before ON CONFLICT gave way, so this statement sees it.
            return try await client.query("""
                SELECT * FROM checkpoints WHERE attempt_id = \(checkpoint.attemptId) AND sequence = \(Int64(checkpoint.sequence))
                """, logger: logger).collect().first.map(Self.checkpoint)
        }
    }

    package func checkpoints(attemptId: String) async throws -> [CheckpointRecord] {
        try await bounded { [self] in
            try await client.query("SELECT * FROM checkpoints WHERE attempt_id = \(attemptId) ORDER BY sequence", logger: logger)
                .collect().map(Self.checkpoint)
        }
    }

    package func markFork(attemptId: String, sequence: UInt64, at date: Date) async throws {
        try await bounded { [self] in
            try await client.query("""
                UPDATE attempts SET forked_at = \(Self.millis(date)), fork_sequence = \(Int64(sequence))
                WHERE attempt_id = \(attemptId) AND forked_at IS NULL
                """, logger: logger)
        }
    }

    package func upload(attemptId: String) async throws -> UploadRecord? {
        try await bounded { [self] in
            try await client.query("SELECT * FROM uploads WHERE attempt_id = \(attemptId)", logger: logger).collect().first.map { row in
                let row = row.makeRandomAccess()
                return UploadRecord(attemptId: try row.text("attempt_id"), length: Int(try row.int("length")), offset: Int(try row.int("received")),
                                    startedAt: try row.time("started_at"))
            }
        }
    }

    package func saveUpload(_ upload: UploadRecord) async throws {
        try await bounded { [self] in
            try await client.query("""
                INSERT INTO uploads VALUES (\(upload.attemptId), \(Int64(upload.length)), \(Int64(upload.offset)), \(Self.millis(upload.startedAt)))
                ON CONFLICT (attempt_id) DO UPDATE SET received = excluded.received
                """, logger: logger)
        }
    }

    package func deleteUpload(attemptId: String) async throws {
        try await bounded { [self] in
            try await client.query("DELETE FROM uploads WHERE attempt_id = \(attemptId)", logger: logger)
        }
    }

    package func saveReceipt(_ receipt: ReceiptRecord) async throws {
        try await bounded { [self] in
            try await client.query("""
                INSERT INTO receipts VALUES (\(receipt.attemptId), \(ByteBuffer(bytes: receipt.receipt)), \(ByteBuffer(bytes: receipt.bundleSHA256)),
                    \(Int64(receipt.size)), \(Self.millis(receipt.receivedAt)))
                ON CONFLICT (attempt_id) DO UPDATE SET receipt = excluded.receipt, bundle_sha256 = excluded.bundle_sha256,
                    size = excluded.size, received_at = excluded.received_at
                """, logger: logger)
        }
    }

    package func receipt(attemptId: String) async throws -> ReceiptRecord? {
        try await bounded { [self] in
            try await client.query("SELECT * FROM receipts WHERE attempt_id = \(attemptId)", logger: logger).collect().first.map { row in
                let row = row.makeRandomAccess()
                return ReceiptRecord(attemptId: try row.text("attempt_id"), receipt: try row.bytes("receipt"),
                                     bundleSHA256: try row.bytes("bundle_sha256"), size: Int(try row.int("size")),
                                     receivedAt: try row.time("received_at"))
            }
        }
    }

    // MARK: - Time limit

    /// With the database unreachable the pool would hold a request until a connection comes
    /// back; a bound turns that into an error the client sees (a 500, `/readyz` a 503) while the
    /// pool keeps reconnecting behind it.
    private static let timeout: Duration = .seconds(10)

    @discardableResult
    private func bounded<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: Self.timeout)
                throw DatabaseTimeout()
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    struct DatabaseTimeout: Error, CustomStringConvertible {
        var description: String { "PostgreSQL did not answer within \(PostgresStore.timeout)" }
    }

    // MARK: - Rows

    /// Times as Unix milliseconds, as in SQLite and on the wire.
    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }

    private static func exam(_ row: PostgresRow) throws -> ExamRecord {
        let row = row.makeRandomAccess()
        return ExamRecord(examId: try row.text("exam_id"), examSHA256: try row.bytes("exam_sha256"), examFile: try row.bytes("exam_file"),
                          publisher: try row.text("publisher"), openTokenSHA256: try row.optionalBytes("open_token_sha256"),
                          opensAt: try row.optionalTime("opens_at"), closesAt: try row.optionalTime("closes_at"),
                          publishedAt: try row.time("published_at"))
    }

    private static func rosterEntry(_ row: PostgresRow) throws -> RosterEntry {
        let row = row.makeRandomAccess()
        return RosterEntry(examId: try row.text("exam_id"), studentId: try row.text("student_id"),
                           codeSHA256: try row.bytes("code_sha256"), usedAt: try row.optionalTime("used_at"))
    }

    private static func attempt(_ row: PostgresRow) throws -> AttemptRecord {
        let row = row.makeRandomAccess()
        return AttemptRecord(attemptId: try row.text("attempt_id"), examId: try row.text("exam_id"), studentId: try row.text("student_id"),
                             ticket: try row.bytes("ticket"), ticketDigest: try row.bytes("ticket_digest"),
                             notAfter: try row.time("not_after"), issuedAt: try row.time("issued_at"),
                             forkedAt: try row.optionalTime("forked_at"),
                             forkSequence: try row["fork_sequence"].decode(Int64?.self).map { UInt64($0) })
    }

    private static func checkpoint(_ row: PostgresRow) throws -> CheckpointRecord {
        let row = row.makeRandomAccess()
        return CheckpointRecord(attemptId: try row.text("attempt_id"), sequence: UInt64(try row.int("sequence")), part: UInt32(try row.int("part")),
                                recordCount: UInt64(try row.int("record_count")), sealedBytes: UInt64(try row.int("sealed_bytes")),
                                chain: try row.bytes("chain"), mediaTimeMicros: UInt64(try row.int("media_us")),
                                partKey: try row.optionalBytes("part_key"), signed: try row.bytes("signed"),
                                receivedAt: try row.time("received_at"))
    }
}

extension PostgresRandomAccessRow {
    func text(_ name: String) throws -> String { try self[name].decode(String.self) }
    func int(_ name: String) throws -> Int64 { try self[name].decode(Int64.self) }
    func bytes(_ name: String) throws -> [UInt8] { Array(try self[name].decode(ByteBuffer.self).readableBytesView) }
    func optionalBytes(_ name: String) throws -> [UInt8]? { try self[name].decode(ByteBuffer?.self).map { Array($0.readableBytesView) } }
    func time(_ name: String) throws -> Date { Date(timeIntervalSince1970: Double(try int(name)) / 1000) }
    func optionalTime(_ name: String) throws -> Date? { try self[name].decode(Int64?.self).map { Date(timeIntervalSince1970: Double($0) / 1000) } }
}
