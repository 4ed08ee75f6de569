import Logging
import PostgresNIO

/// The PostgreSQL schema, one list of statements per version, applied in order on start and
/// recorded in `proctor_schema`. Instances that start together take one advisory lock, so only
/// one migrates and the others find the work done; an instance older than the database refuses
/// to start rather than write rows a newer schema does not expect.
enum PostgresSchema {
    /// Any constant: it only has to be the same in every instance (`pg_advisory_xact_lock`).
    static let lockKey: Int64 = 0x7072_6f63_746f_7201

    static let migrations: [[String]] = [
        // 1: the tables SQLiteStore has, in PostgreSQL's types; times are Unix milliseconds.
        [
            """
            CREATE TABLE exams (exam_id TEXT PRIMARY KEY, exam_sha256 BYTEA NOT NULL, exam_file BYTEA NOT NULL,
                publisher TEXT NOT NULL, open_token_sha256 BYTEA, opens_at BIGINT, closes_at BIGINT, published_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE roster (exam_id TEXT NOT NULL REFERENCES exams(exam_id), student_id TEXT NOT NULL,
                code_sha256 BYTEA NOT NULL, used_at BIGINT, PRIMARY KEY (exam_id, student_id))
            """,
            """
            CREATE TABLE attempts (attempt_id TEXT PRIMARY KEY, exam_id TEXT NOT NULL REFERENCES exams(exam_id),
                student_id TEXT NOT NULL, ticket BYTEA NOT NULL, ticket_digest BYTEA NOT NULL, not_after BIGINT NOT NULL,
                issued_at BIGINT NOT NULL, forked_at BIGINT, fork_sequence BIGINT)
            """,
            "CREATE INDEX attempts_by_exam ON attempts (exam_id, issued_at)",
            """
            CREATE TABLE checkpoints (attempt_id TEXT NOT NULL REFERENCES attempts(attempt_id), sequence BIGINT NOT NULL,
                part BIGINT NOT NULL, record_count BIGINT NOT NULL, sealed_bytes BIGINT NOT NULL, chain BYTEA NOT NULL,
                media_us BIGINT NOT NULL, part_key BYTEA, signed BYTEA NOT NULL, received_at BIGINT NOT NULL,
                PRIMARY KEY (attempt_id, sequence))
            """,
            """
            CREATE TABLE uploads (attempt_id TEXT PRIMARY KEY REFERENCES attempts(attempt_id), length BIGINT NOT NULL,
                received BIGINT NOT NULL, started_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE receipts (attempt_id TEXT PRIMARY KEY REFERENCES attempts(attempt_id), receipt BYTEA NOT NULL,
                bundle_sha256 BYTEA NOT NULL, size BIGINT NOT NULL, received_at BIGINT NOT NULL)
            """,
        ],
    ]

    static var latest: Int { migrations.count }

    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
            try await connection.query("CREATE TABLE IF NOT EXISTS proctor_schema (version INTEGER NOT NULL)", logger: logger)
            let rows = try await connection.query("SELECT COALESCE(MAX(version), 0) AS version FROM proctor_schema", logger: logger).collect()
            let current = try rows.first.map { try $0.makeRandomAccess()["version"].decode(Int.self) } ?? 0
            guard current <= latest else { throw SchemaTooNew(found: current, known: latest) }
            for version in stride(from: current + 1, through: latest, by: 1) {
                for statement in migrations[version - 1] {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO proctor_schema VALUES (\(version))", logger: logger)
                logger.notice("database schema migrated", metadata: ["version": "\(version)"])
            }
        }
    }

    struct SchemaTooNew: Error, CustomStringConvertible {
        let found: Int
        let known: Int
        var description: String {
            "the database schema is version \(found), newer than this proctor's \(known); upgrade proctor on this machine"
        }
    }
}
