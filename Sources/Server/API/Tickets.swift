import Attest
import Exam
import Foundation
import Hummingbird
import ProctorModel
import Seal
import WebLayer

extension CollectionServer {
    /// `POST /v1/exams/{exam}/tickets`: checks the enrolment code (or the open exam's token) and
    /// the exam's window, then signs a ticket for a new attempt. A code admits once.
    func issueTicket(_ request: Request, examId: String) async throws -> Response {
        let body = try await JSONBody.decode(APIBodies.TicketRequest.self, from: request, limit: 16 << 10)
        guard StudentID.isValid(body.student) else {
            throw APIError.badRequest("bad_student_id", "A student id is 1-64 letters, digits, '.', '_', '-' or '@'.")
        }
        guard let exam = try await store.exam(id: examId) else {
            throw APIError(.notFound, code: "unknown_exam", "No exam with this id is published on this server.")
        }
        let now = Date()
        if let opens = exam.opensAt, now < opens {
            throw APIError.forbidden("exam_not_open", "The exam opens at \(ISO8601DateFormatter().string(from: opens)).")
        }
        if let closes = exam.closesAt, now > closes {
            throw APIError.forbidden("exam_closed", "The exam closed at \(ISO8601DateFormatter().string(from: closes)); no new attempts can start.")
        }
        let limitKey = "\(exam.examId)\u{0}\(body.student)"
        if let until = await limiter.blockedUntil(limitKey, now: now) {
            throw APIError(.tooManyRequests, code: "too_many_attempts",
                           "Too many wrong codes for \(body.student); try again after \(ISO8601DateFormatter().string(from: until)).")
        }
        let admission: (issuedBy: String, claimsCode: Bool)
        do {
            admission = try await admit(body, exam: exam)
        } catch let error as APIError where ["wrong_code", "wrong_token"].contains(error.code) {
            await limiter.fail(limitKey, now: now)
            throw error
        }
        let settings = try ExamFile.decode(exam.examFile).settings
        let ticket = AttemptTicket(
            examId: exam.examId, examFileSHA256: exam.examSHA256, studentId: body.student, attemptId: AttemptID.generate(),
            nonce: Sodium.randomBytes(AttemptTicket.nonceBytes), issuedAt: now, notBefore: now,
            notAfter: now.addingTimeInterval(settings.timeLimit(for: body.student) + config.ticketGraceSeconds),
            issuedBy: admission.issuedBy)
        let signed = ticket.signed(by: key)
        let record = AttemptRecord(attemptId: ticket.attemptId, examId: exam.examId, studentId: body.student, ticket: signed,
                                   ticketDigest: AttemptTicket.digest(of: signed), notAfter: ticket.notAfter, issuedAt: ticket.issuedAt)
        guard try await store.issue(record, claimingCode: admission.claimsCode) else {
            throw APIError.conflict("code_used", "This enrolment code was used already; a code starts one attempt. Ask your instructor.")
        }
        logger.info("ticket issued", metadata: ["exam": "\(exam.examId)", "attempt": "\(ticket.attemptId)", "by": "\(admission.issuedBy)"])
        return try JSONBody.response(APIBodies.Ticket(attemptId: ticket.attemptId, ticket: Base64.encode(signed),
                                                      notBefore: ticket.notBefore, notAfter: ticket.notAfter), status: .created)
    }

    private func admit(_ body: APIBodies.TicketRequest, exam: ExamRecord) async throws -> (issuedBy: String, claimsCode: Bool) {
        if let code = body.code {
            guard let entry = try await store.rosterEntry(examId: exam.examId, studentId: body.student) else {
                throw APIError.forbidden("not_enrolled", "\(body.student) is not on this exam's roster.")
            }
            guard EnrolmentCode.digest(examId: exam.examId, studentId: body.student, code: code) == entry.codeSHA256 else {
                throw APIError.forbidden("wrong_code", "This is not the enrolment code for \(body.student); check it and try again.")
            }
            guard entry.usedAt == nil else {
                throw APIError.conflict("code_used", "This enrolment code was used already; a code starts one attempt. Ask your instructor.")
            }
            return ("enrolment-code", true)
        }
        if let token = body.token {
            guard let expected = exam.openTokenSHA256 else {
                throw APIError.forbidden("not_open", "This exam admits only the students on its roster; use your enrolment code.")
            }
            guard EnrolmentCode.tokenDigest(examId: exam.examId, token: token) == expected else {
                throw APIError.forbidden("wrong_token", "This is not the exam's institution token.")
            }
            return ("institution-token", false)
        }
        throw APIError.badRequest("missing_code", "Send the enrolment code (code) or the institution token (token).")
    }
}
