import Attest
import Exam
import Foundation
import Hummingbird
import ProctorModel
import Seal
import WebLayer

/// The instructor dashboard's API (docs/server.md, "Dashboard"): the exams a trusted instructor
/// published and, per exam, where each attempt stands. Authenticated by an `InstructorToken`
/// (`Authorization: Bearer TOKEN`), signed by the same key that publishes; an instructor sees
/// their own exams only. Everything here is metadata the server holds anyway: ids, times,
/// counts, sizes, hashes. Nothing opens a recording.
extension CollectionServer {
    /// How far a token's `issuedAt` may be ahead of this server's clock.
    static let tokenClockSkew: TimeInterval = 5 * 60

    func instructor(_ request: Request, now: Date = Date()) throws -> RecipientKey {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw APIError(.unauthorized, code: "missing_token", "Send Authorization: Bearer TOKEN, the token `proctor exam dashboard` prints.")
        }
        guard let (token, statement, signature) = InstructorToken.read(String(header.dropFirst("Bearer ".count))) else {
            throw APIError(.unauthorized, code: "bad_token", "The token is not one `proctor exam dashboard` makes.")
        }
        let publisher: RecipientKey
        do { publisher = try RecipientKey(line: token.publisher, warnLegacy: false) } catch {
            throw APIError(.unauthorized, code: "bad_token", "The token's publisher is not a proctor public key line.")
        }
        guard let trusted = config.trustedInstructors.first(where: { $0.signPublicKey == publisher.signPublicKey }) else {
            throw APIError.forbidden("untrusted_publisher", "The key \(publisher.name) (\(publisher.fingerprint)) is not among the instructors this server trusts ([trust] instructors).")
        }
        guard InstructorToken.verify(statement: statement, signature: signature, publicKey: trusted.signPublicKey) else {
            throw APIError(.unauthorized, code: "bad_token", "The token's signature does not verify under the instructor's key.")
        }
        guard Base64.decode(token.server) == identity.publicKey else {
            throw APIError.forbidden("other_server", "The token was made for another server's key, not this server's \(identity.name) (\(identity.fingerprint)).")
        }
        guard token.issuedAt.timeIntervalSince(now) <= Self.tokenClockSkew,
              token.expiresAt.timeIntervalSince(token.issuedAt) <= InstructorToken.longestLifetime else {
            throw APIError(.unauthorized, code: "bad_token", "The token claims a time ahead of this server's clock or a lifetime over 12 hours.")
        }
        guard now <= token.expiresAt else {
            throw APIError(.unauthorized, code: "token_expired", "The token expired at \(ISO8601DateFormatter().string(from: token.expiresAt)); make a new one with `proctor exam dashboard`.")
        }
        return trusted
    }

    func dashboardExams(_ request: Request) async throws -> Response {
        let now = Date()
        let instructor = try instructor(request, now: now)
        try await limitRate("instructor:\(instructor.fingerprint)")
        var exams: [DashboardBodies.Exam] = []
        for exam in try await store.exams() where Self.published(exam, by: instructor) {
            let settings = try ExamFile.decode(exam.examFile).settings
            exams.append(.init(examId: exam.examId, title: settings.title, examSHA256: exam.examSHA256.hexString, publishedAt: exam.publishedAt,
                               opensAt: exam.opensAt, closesAt: exam.closesAt, open: exam.openTokenSHA256 != nil,
                               students: try await store.roster(examId: exam.examId).count,
                               attempts: try await store.attempts(examId: exam.examId).count))
        }
        return try JSONBody.response(DashboardBodies.Exams(instructor: "\(instructor.name) (\(instructor.fingerprint))", generatedAt: now, exams: exams))
    }

    func dashboardAttempts(_ request: Request, examId: String) async throws -> Response {
        let now = Date()
        let instructor = try instructor(request, now: now)
        try await limitRate("instructor:\(instructor.fingerprint)")
        // Another instructor's exam answers as an unknown one: ids are not disclosed across instructors.
        guard let exam = try await store.exam(id: examId), Self.published(exam, by: instructor) else {
            throw APIError(.notFound, code: "unknown_exam", "You published no exam with this id on this server.")
        }
        let settings = try ExamFile.decode(exam.examFile).settings
        let interval = settings.server?.checkpointSeconds ?? ServerSettings.defaultCheckpointSeconds
        var attempts: [DashboardBodies.Attempt] = []
        for attempt in try await store.attempts(examId: exam.examId) {
            attempts.append(try await dashboardAttempt(attempt, interval: interval, now: now))
        }
        let started = Set(attempts.map(\.studentId))
        return try JSONBody.response(DashboardBodies.Attempts(
            examId: exam.examId, title: settings.title, generatedAt: now, checkpointSeconds: interval, attempts: attempts,
            notStarted: try await store.roster(examId: exam.examId).map(\.studentId).filter { !started.contains($0) }))
    }

    private func dashboardAttempt(_ attempt: AttemptRecord, interval: Double, now: Date) async throws -> DashboardBodies.Attempt {
        let checkpoints = try await store.checkpoints(attemptId: attempt.attemptId)
        let upload = try await store.upload(attemptId: attempt.attemptId)
        let receipt = try await store.receipt(attemptId: attempt.attemptId)
        let timeline = checkpoints.map { CheckpointTimeline.Entry(sequence: $0.sequence, received: $0.receivedAt, mediaMicros: $0.mediaTimeMicros) }
        let last = checkpoints.last
        var summary = DashboardBodies.Attempt(
            attemptId: attempt.attemptId, studentId: attempt.studentId, issuedAt: attempt.issuedAt, notAfter: attempt.notAfter,
            status: Self.status(lastCheckpoint: last?.receivedAt, uploading: upload != nil, received: receipt != nil,
                                notAfter: attempt.notAfter, interval: interval, now: now),
            checkpoints: checkpoints.count, lastCheckpointAt: last?.receivedAt,
            lastCheckpointAgeSeconds: last.map { max(0, now.timeIntervalSince($0.receivedAt)) },
            mediaSeconds: last.map { Double($0.mediaTimeMicros) / 1e6 }, sealedBytes: last?.sealedBytes,
            lateCheckpoints: CheckpointTimeline.late(timeline, interval: interval).count,
            gaps: CheckpointTimeline.gaps(timeline, interval: interval).map { .init(afterSequence: $0.afterSequence, fromMediaSeconds: $0.from, toMediaSeconds: $0.to) })
        if let at = attempt.forkedAt, let sequence = attempt.forkSequence { summary.fork = .init(sequence: sequence, at: at) }
        if let upload { summary.upload = .init(offset: upload.offset, length: upload.length, startedAt: upload.startedAt) }
        if let receipt {
            let signed = try ServerReceipt.decode(receipt.receipt)
            summary.receipt = .init(receivedAt: receipt.receivedAt, size: receipt.size, bundleSHA256: receipt.bundleSHA256.hexString,
                                    checkpoints: signed.checkpoints.count, allContained: signed.checkpoints.allContained, late: signed.checkpoints.late)
        }
        return summary
    }

    /// Received and uploading come first: they hold whatever the clock says. A student whose
    /// checkpoints stopped is `offline`: the client queues them on disk and sends them when the
    /// network returns (or the recording was stopped; the gaps tell which once they arrive).
    static func status(lastCheckpoint: Date?, uploading: Bool, received: Bool, notAfter: Date, interval: Double, now: Date) -> String {
        if received { return "received" }
        if uploading { return "uploading" }
        if now > notAfter { return "expired" }
        guard let lastCheckpoint else { return "ticket_issued" }
        return now.timeIntervalSince(lastCheckpoint) <= 3 * interval ? "recording" : "offline"
    }

    static func published(_ exam: ExamRecord, by instructor: RecipientKey) -> Bool {
        (try? RecipientKey(line: exam.publisher, warnLegacy: false))?.signPublicKey == instructor.signPublicKey
    }
}
