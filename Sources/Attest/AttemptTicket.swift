import Foundation
import ProctorModel
import Seal

/// The server's permission for one attempt at one exam by one student, signed with the server
/// key the exam file pins. `begin` writes it into the session header, so every sealed record is
/// bound to it; export checks it against the same pinned key (docs/server.md, "Tickets").
public struct AttemptTicket: SignedWire {
    public static let signatureContext = "proctor-ticket-v1"
    public static let noun = "the attempt ticket"
    public static let version: UInt8 = 1
    public static let nonceBytes = 16

    public var examId: String
    /// SHA-256 of the signed exam file the attempt must run under.
    public var examFileSHA256: [UInt8]
    public var studentId: String
    /// Chosen by the server, unique per ticket: checkpoints and the upload name it.
    public var attemptId: String
    /// 16 random bytes: two tickets with otherwise equal fields still differ.
    public var nonce: [UInt8]
    public var issuedAt: Date
    public var notBefore: Date
    public var notAfter: Date
    /// How the student was admitted: `enrolment-code`, `institution-token`, and later
    /// `lti:ISSUER` for an LTI 1.3 launch, which issues the same ticket.
    public var issuedBy: String

    public init(examId: String, examFileSHA256: [UInt8], studentId: String, attemptId: String, nonce: [UInt8],
                issuedAt: Date, notBefore: Date, notAfter: Date, issuedBy: String) {
        self.examId = examId
        self.examFileSHA256 = examFileSHA256
        self.studentId = studentId
        self.attemptId = attemptId
        self.nonce = nonce
        self.issuedAt = Self.wholeMilliseconds(issuedAt)
        self.notBefore = Self.wholeMilliseconds(notBefore)
        self.notAfter = Self.wholeMilliseconds(notAfter)
        self.issuedBy = issuedBy
    }

    /// A ticket refuses at the edges of its window; `now` outside it is `.verification`.
    public func checkWindow(at now: Date) throws(ProctorError) {
        if now < notBefore {
            throw ProctorError(.verification, "the attempt ticket is not valid before \(Self.format(notBefore)) (now \(Self.format(now)))")
        }
        if now > notAfter {
            throw ProctorError(.verification, "the attempt ticket expired at \(Self.format(notAfter)) (now \(Self.format(now))); ask for a new one")
        }
    }

    /// SHA-256 of the signed ticket bytes: how checkpoints and receipts name the ticket.
    public static func digest(of signed: [UInt8]) -> [UInt8] { SHA256.hash(signed) }

    package func encodeFields(into writer: inout WireWriter) {
        writer.str(examId)
        writer.fixed(examFileSHA256)
        writer.str(studentId)
        writer.str(attemptId)
        writer.fixed(nonce)
        writer.time(issuedAt)
        writer.time(notBefore)
        writer.time(notAfter)
        writer.str(issuedBy)
    }

    package static func decodeFields(from reader: inout WireReader) throws(ProctorError) -> AttemptTicket {
        AttemptTicket(examId: try reader.str("exam id"), examFileSHA256: try reader.fixed(SHA256.byteCount),
                      studentId: try reader.str("student id"), attemptId: try reader.str("attempt id"),
                      nonce: try reader.fixed(nonceBytes), issuedAt: try reader.time(), notBefore: try reader.time(),
                      notAfter: try reader.time(), issuedBy: try reader.str("issued by"))
    }

    /// Encoded times are whole milliseconds; holding them so keeps a decoded ticket equal.
    static func wholeMilliseconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }

    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
