import Foundation
@testable import Server
import XCTest

/// What every `MetadataStore` must do, run against SQLite and PostgreSQL alike
/// (`SQLiteStoreTests`, `PostgresStoreTests`). `open` opens one more store on the same
/// database, as a second `proctor serve` instance would: the races are run across two.
struct StoreContract {
    let open: @Sendable () async throws -> any MetadataStore

    // Times the stores keep to the millisecond, exactly representable as a Double.
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000.25)

    static func exam(_ id: String = "exam-1", open token: Bool = false) -> ExamRecord {
        ExamRecord(examId: id, examSHA256: Array(repeating: 0xaa, count: 32), examFile: Array(0..<200),
                   publisher: "proctor-pub-v2 prof AAAA 000000", openTokenSHA256: token ? Array(repeating: 0x0b, count: 32) : nil,
                   opensAt: token ? t0 : nil, closesAt: token ? t0.addingTimeInterval(3600) : nil, publishedAt: t0)
    }

    static func roster(_ examId: String = "exam-1", _ students: [String] = ["s1", "s2"]) -> [RosterEntry] {
        students.map { RosterEntry(examId: examId, studentId: $0, codeSHA256: Array(repeating: UInt8($0.utf8.last!), count: 32), usedAt: nil) }
    }

    static func attempt(_ id: String, student: String = "s1", examId: String = "exam-1") -> AttemptRecord {
        AttemptRecord(attemptId: id, examId: examId, studentId: student, ticket: Array(id.utf8), ticketDigest: Array(repeating: 0xdd, count: 32),
                      notAfter: t0.addingTimeInterval(2700), issuedAt: t0.addingTimeInterval(1), forkedAt: nil, forkSequence: nil)
    }

    static func checkpoint(_ attemptId: String, _ sequence: UInt64, part: UInt32 = 0, signed: [UInt8]? = nil) -> CheckpointRecord {
        CheckpointRecord(attemptId: attemptId, sequence: sequence, part: part, recordCount: 3 * (sequence + 1),
                         sealedBytes: (5 << 30) + sequence * 4096, chain: Array(repeating: UInt8(sequence), count: 32),
                         mediaTimeMicros: 10_000_000 * (sequence + 1), partKey: sequence == 0 ? Array(repeating: 0x5a, count: 32) : nil,
                         signed: signed ?? Array("checkpoint \(sequence)".utf8), receivedAt: t0.addingTimeInterval(Double(sequence) * 10))
    }

    /// XCTAssertEqual's autoclosures cannot await; a plain parameter can.
    func expect<T: Equatable>(_ value: T, _ expected: T, _ message: String = "", line: UInt = #line) {
        XCTAssertEqual(value, expected, message, line: line)
    }

    static let attemptA = String(repeating: "a", count: 32)
    static let attemptB = String(repeating: "b", count: 32)

    func publishedExamRoundTripsAndARetryIsNotANewOne() async throws {
        let store = try await open()
        try await store.ping()
        expect(try await store.publish(Self.exam(), roster: Self.roster()), true)
        expect(try await store.publish(Self.exam("exam-2", open: true), roster: []), true)
        expect(try await store.publish(Self.exam(), roster: Self.roster()), false, "the same exam again is a retry")
        expect(try await store.exam(id: "exam-1"), Self.exam())
        expect(try await store.exam(id: "exam-2"), Self.exam("exam-2", open: true))
        expect(try await store.exam(id: "exam-3"), nil)
        expect(try await store.exams().map(\.examId), ["exam-1", "exam-2"])
        expect(try await store.rosterEntry(examId: "exam-1", studentId: "s2"), Self.roster()[1])
        expect(try await store.rosterEntry(examId: "exam-2", studentId: "s2"), nil)
        expect(try await store.roster(examId: "exam-1"), Self.roster())
        expect(try await store.roster(examId: "exam-2"), [])
        try await store.close()
    }

    func aCodeAdmitsOnceAndTheRefusalStoresNothing() async throws {
        let store = try await open()
        _ = try await store.publish(Self.exam(), roster: Self.roster())
        expect(try await store.issue(Self.attempt(Self.attemptA), claimingCode: true), true)
        expect(try await store.issue(Self.attempt(Self.attemptB), claimingCode: true), false)
        expect(try await store.attempt(id: Self.attemptB), nil, "a refused claim stores no attempt")
        expect(try await store.attempt(id: Self.attemptA), Self.attempt(Self.attemptA))
        expect(try await store.rosterEntry(examId: "exam-1", studentId: "s1")?.usedAt, Self.attempt(Self.attemptA).issuedAt)
        // An institution token claims no code: any number of attempts.
        let c = String(repeating: "c", count: 32)
        expect(try await store.issue(Self.attempt(c, student: "walk-in"), claimingCode: false), true)
        expect(try await store.attempts(examId: "exam-1").map(\.attemptId).sorted(), [Self.attemptA, c])
        try await store.close()
    }

    /// Twelve claims of one code at once, across two stores on one database: exactly one wins.
    func concurrentClaimsOfOneCodeAdmitExactlyOne() async throws {
        let first = try await open()
        _ = try await first.publish(Self.exam(), roster: Self.roster())
        let second = try await open()
        let ids = (0..<12).map { String(format: "%032x", $0 + 1) }
        let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
            for (index, id) in ids.enumerated() {
                let store = index.isMultiple(of: 2) ? first : second
                group.addTask { try await store.issue(Self.attempt(id), claimingCode: true) }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        XCTAssertEqual(wins, 1)
        expect(try await first.attempts(examId: "exam-1").count, 1)
        try await first.close()
        try await second.close()
    }

    func checkpointsAreIdempotentOrderedAndKeepEveryField() async throws {
        let store = try await open()
        _ = try await store.publish(Self.exam(), roster: Self.roster())
        _ = try await store.issue(Self.attempt(Self.attemptA), claimingCode: true)
        for sequence in [0, 2, 1] as [UInt64] {
            let held = try await store.addCheckpoint(Self.checkpoint(Self.attemptA, sequence))
            XCTAssertNil(held, "a new sequence is stored")
        }
        let other = Self.checkpoint(Self.attemptA, 1, signed: Array("another chain".utf8))
        expect(try await store.addCheckpoint(other), Self.checkpoint(Self.attemptA, 1), "the held one is answered, not replaced")
        expect(try await store.checkpoints(attemptId: Self.attemptA), (0..<3).map { Self.checkpoint(Self.attemptA, $0) })
        expect(try await store.checkpoints(attemptId: Self.attemptB), [])
        try await store.close()
    }

    /// Ten different checkpoints under one sequence at once, across two stores: one is stored,
    /// and every other caller is answered with that one.
    func concurrentCheckpointsUnderOneSequenceStoreExactlyOne() async throws {
        let first = try await open()
        _ = try await first.publish(Self.exam(), roster: Self.roster())
        _ = try await first.issue(Self.attempt(Self.attemptA), claimingCode: true)
        let second = try await open()
        let answers = try await withThrowingTaskGroup(of: (Int, CheckpointRecord?).self) { group in
            for index in 0..<10 {
                let store = index.isMultiple(of: 2) ? first : second
                group.addTask { (index, try await store.addCheckpoint(Self.checkpoint(Self.attemptA, 0, signed: [UInt8(index)]))) }
            }
            return try await group.reduce(into: [(Int, CheckpointRecord?)]()) { $0.append($1) }
        }
        let stored = answers.filter { $0.1 == nil }.map(\.0)
        XCTAssertEqual(stored.count, 1, "\(answers)")
        let held = try await second.checkpoints(attemptId: Self.attemptA)
        XCTAssertEqual(held.map(\.signed), [[UInt8(stored[0])]])
        for (_, answer) in answers { if let answer { XCTAssertEqual(answer, held[0]) } }
        try await first.close()
        try await second.close()
    }

    func aForkIsMarkedOnceAndKeepsTheFirstSequence() async throws {
        let store = try await open()
        _ = try await store.publish(Self.exam(), roster: Self.roster())
        _ = try await store.issue(Self.attempt(Self.attemptA), claimingCode: true)
        try await store.markFork(attemptId: Self.attemptA, sequence: 4, at: Self.t0.addingTimeInterval(60))
        try await store.markFork(attemptId: Self.attemptA, sequence: 9, at: Self.t0.addingTimeInterval(120))
        let attempt = try await store.attempt(id: Self.attemptA)
        XCTAssertEqual(attempt?.forkSequence, 4)
        XCTAssertEqual(attempt?.forkedAt, Self.t0.addingTimeInterval(60))
        try await store.close()
    }

    func uploadsAdvanceAndReceiptsReplace() async throws {
        let store = try await open()
        _ = try await store.publish(Self.exam(), roster: Self.roster())
        _ = try await store.issue(Self.attempt(Self.attemptA), claimingCode: true)
        expect(try await store.upload(attemptId: Self.attemptA), nil)
        let big = 6 << 30
        try await store.saveUpload(UploadRecord(attemptId: Self.attemptA, length: big, offset: 0, startedAt: Self.t0))
        try await store.saveUpload(UploadRecord(attemptId: Self.attemptA, length: big, offset: 5 << 30, startedAt: Self.t0.addingTimeInterval(9)))
        expect(try await store.upload(attemptId: Self.attemptA), UploadRecord(attemptId: Self.attemptA, length: big, offset: 5 << 30, startedAt: Self.t0), "only the offset moves")
        let receipt = ReceiptRecord(attemptId: Self.attemptA, receipt: [1, 2, 3], bundleSHA256: Array(repeating: 0xee, count: 32),
                                    size: big, receivedAt: Self.t0.addingTimeInterval(30))
        try await store.saveReceipt(receipt)
        var again = receipt
        again.receipt = [4, 5]
        try await store.saveReceipt(again)
        expect(try await store.receipt(attemptId: Self.attemptA), again)
        try await store.deleteUpload(attemptId: Self.attemptA)
        expect(try await store.upload(attemptId: Self.attemptA), nil)
        expect(try await store.receipt(attemptId: Self.attemptB), nil)
        try await store.close()
    }

    /// What one store wrote, another opened later on the same database reads.
    func aSecondStoreSeesWhatTheFirstWrote() async throws {
        let first = try await open()
        _ = try await first.publish(Self.exam(), roster: Self.roster())
        _ = try await first.issue(Self.attempt(Self.attemptA), claimingCode: true)
        expect(try await first.addCheckpoint(Self.checkpoint(Self.attemptA, 0)), nil)
        try await first.close()
        let second = try await open()
        expect(try await second.attempt(id: Self.attemptA), Self.attempt(Self.attemptA))
        expect(try await second.checkpoints(attemptId: Self.attemptA), [Self.checkpoint(Self.attemptA, 0)])
        expect(try await second.issue(Self.attempt(Self.attemptB), claimingCode: true), false)
        try await second.close()
    }
}
