import Attest
import Exam
import Foundation
import Hummingbird
import ProctorModel
import Seal
import WebLayer

extension CollectionServer {
    /// `POST /v1/exams`: an instructor the config trusts registers a signed exam file that pins
    /// this server, with its roster (code digests only) or an institution token.
    func publish(_ request: Request) async throws -> Response {
        let envelope = try await JSONBody.decode(Publication.Envelope.self, from: request, limit: config.limits.jsonBytes)
        let publisher: RecipientKey
        do { publisher = try RecipientKey(line: envelope.publisher, warnLegacy: false) } catch {
            throw APIError.badRequest("bad_publisher", "publisher is not a proctor public key line: \(error.message)")
        }
        guard config.trustedInstructors.contains(where: { $0.signPublicKey == publisher.signPublicKey }) else {
            throw APIError.forbidden("untrusted_publisher", "The key \(publisher.name) (\(publisher.fingerprint)) is not among the instructors this server trusts ([trust] instructors).")
        }
        guard let bytes = Base64.decode(envelope.publication), let signature = Base64.decode(envelope.signature) else {
            throw APIError.badRequest("malformed_json", "publication and signature must be standard base64.")
        }
        guard Signing.verify(signature, of: Publication.signatureContext + bytes, publicKey: publisher.signPublicKey) else {
            throw APIError.forbidden("bad_signature", "The publication's signature does not verify under the publisher's key.")
        }
        let publication: Publication
        do { publication = try Publication.decoder.decode(Publication.self, from: Data(bytes)) } catch let error as DecodingError {
            throw APIError.badRequest("malformed_json", "The signed publication is not the JSON this endpoint expects: \(APIErrorMiddleware<Context>.describe(error)).")
        }
        let now = Date()
        // A replayed old publication (say, a roster since corrected) must not register again.
        guard abs(publication.signedAt.timeIntervalSince(now)) <= 15 * 60 else {
            throw APIError.forbidden("stale_publication", "The publication was signed at \(publication.signedAt), more than 15 minutes from the server's clock; publish again.")
        }
        let record = try examRecord(publication, publisher: publisher, now: now)
        let roster = try rosterEntries(publication, examId: record.examId)
        if let held = try await store.exam(id: record.examId), held.examSHA256 != record.examSHA256 {
            throw APIError.conflict("exam_exists", "An exam with id \(record.examId) and different contents is already published; give the new exam another id.")
        }
        let created = try await store.publish(record, roster: roster)
        logger.info("exam published", metadata: ["exam": "\(record.examId)", "students": "\(roster.count)", "created": "\(created)"])
        return try JSONBody.response(APIBodies.Published(examId: record.examId, examSHA256: record.examSHA256.hexString,
                                                         students: roster.count, open: record.openTokenSHA256 != nil, created: created),
                                     status: created ? .created : .ok)
    }

    private func examRecord(_ publication: Publication, publisher: RecipientKey, now: Date) throws -> ExamRecord {
        guard let examBytes = Base64.decode(publication.exam) else {
            throw APIError.badRequest("malformed_json", "publication.exam must be the exam file in standard base64.")
        }
        let exam: ExamFile
        do { exam = try ExamFile.decode(examBytes) } catch {
            throw APIError(.unprocessableContent, code: "bad_exam_file", "The exam file does not verify: \(error.message).")
        }
        guard let pinned = exam.settings.server else {
            throw APIError(.unprocessableContent, code: "no_server", "The exam file names no [server]; add this server's URL and key line and sign it again.")
        }
        guard pinned.key.publicKey == identity.publicKey else {
            throw APIError.conflict("other_server", "The exam file pins the server key \(pinned.key.name) (\(pinned.key.fingerprint)), not this server's \(identity.name) (\(identity.fingerprint)).")
        }
        var token: [UInt8]?
        if let hex = publication.openTokenSHA256 {
            guard let digest = [UInt8](hex: hex), digest.count == 32 else {
                throw APIError.badRequest("bad_token_digest", "openTokenSHA256 must be 64 hex digits.")
            }
            token = digest
        }
        if let opens = publication.opensAt, let closes = publication.closesAt, opens >= closes {
            throw APIError.badRequest("bad_window", "opensAt must be before closesAt.")
        }
        return ExamRecord(examId: exam.settings.id, examSHA256: exam.sha256, examFile: examBytes, publisher: publisher.line,
                          openTokenSHA256: token, opensAt: publication.opensAt, closesAt: publication.closesAt, publishedAt: now)
    }

    private func rosterEntries(_ publication: Publication, examId: String) throws -> [RosterEntry] {
        var seen = Set<String>()
        return try publication.roster.map { student in
            guard StudentID.isValid(student.student) else {
                throw APIError.badRequest("bad_student_id", "The student id '\(student.student.prefix(64))' is not usable: 1-64 letters, digits, '.', '_', '-' or '@'.")
            }
            guard seen.insert(student.student).inserted else {
                throw APIError.badRequest("duplicate_student", "The roster lists \(student.student) twice.")
            }
            guard let digest = [UInt8](hex: student.codeSHA256), digest.count == 32 else {
                throw APIError.badRequest("bad_code_digest", "codeSHA256 of \(student.student) must be 64 hex digits.")
            }
            return RosterEntry(examId: examId, studentId: student.student, codeSHA256: digest, usedAt: nil)
        }
    }
}

/// Student ids as exam settings allow them (`[[accommodation]] student`).
package enum StudentID {
    package static func isValid(_ text: String) -> Bool {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@")
        return !text.isEmpty && text.count <= 64 && text.allSatisfy(allowed.contains) && !text.hasPrefix(".")
    }
}
