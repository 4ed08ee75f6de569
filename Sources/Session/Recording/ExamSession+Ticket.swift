import Attest
import Delivery
import Exam
import Foundation
import ProctorModel

/// An exam that names a collection server (`[server]`) records only under a ticket from it
/// (docs/server.md, "Tickets"): `begin` asks for one with the student's enrolment code, checks
/// it under the exam's pinned key, and puts it in the session header. A practice run goes
/// without one and says so.
extension ExamSession {
    /// The code comes from the environment, never argv, where `ps` and shell history show it.
    static let enrolmentCodeVariable = "PROCTOR_ENROLMENT_CODE"

    /// nil when the exam has no server, or for a practice run.
    func attemptTicket() async throws -> [UInt8]? {
        guard let server = settings.server else { return nil }
        if request.practice {
            observer.session(.notice("practice run: no attempt ticket from \(server.url); the server will not accept this recording"))
            return nil
        }
        // A ticket obtained by an earlier `begin` that failed before recording (a busy camera)
        // is used again: the code admits once.
        let kept = keptTicketURL
        if let data = FileManager.default.contents(atPath: kept.path), let ticket = try? usable(Array(data), server: server) {
            return ticket
        }
        guard let code = request.environment[Self.enrolmentCodeVariable], !code.isEmpty else {
            throw ProctorError(.usage, "this exam runs under the server \(server.url): set \(Self.enrolmentCodeVariable) to the enrolment code your instructor gave you (or rehearse with --practice)")
        }
        guard let base = URL(string: server.url) else { throw ProctorError(.badData, "the exam's server URL \(server.url) is not a URL") }
        let client = ServerClient(base: base)
        defer { client.close() }
        let (signed, _) = try await client.ticket(examId: settings.id, student: request.student, code: code, pinned: server.key)
        let ticket = try usable(signed, server: server)
        try? Data(ticket).write(to: kept, options: .atomic)
        observer.session(.notice("attempt ticket from \(server.url) received"))
        return ticket
    }

    private var keptTicketURL: URL {
        request.directory.url.appendingPathComponent(".\(settings.id)-\(request.student).ticket")
    }

    /// The pinned key signed it, for this exam file and student, and it is valid now.
    private func usable(_ signed: [UInt8], server: ServerSettings) throws(ProctorError) -> [UInt8] {
        let ticket = try AttemptTicket.open(signed, publicKey: server.key.publicKey)
        guard ticket.examFileSHA256 == exam.sha256, ticket.studentId == request.student else {
            throw ProctorError(.verification, "the server's ticket is for another exam file or student; ask your instructor")
        }
        try ticket.checkWindow(at: Date())
        return signed
    }
}
