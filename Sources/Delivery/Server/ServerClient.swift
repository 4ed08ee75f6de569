import Attest
import Foundation
import ProctorModel
import Seal

/// The student's and instructor's side of `proctor serve` (docs/server.md, "API"), over
/// Delivery's `HTTPClient`. Every refusal becomes a `ProctorError` carrying the server's
/// sentence and code; a network failure is `.unavailable` (exit 69).
package struct ServerClient: Sendable {
    package let base: URL
    let http: HTTPClient

    package init(base: URL, idleTimeout: TimeInterval = 30) {
        self.base = base
        self.http = HTTPClient(idleTimeout: idleTimeout)
    }

    package func close() { http.close() }

    package struct Published: Decodable, Sendable {
        package let examId: String
        package let examSHA256: String
        package let students: Int
        package let created: Bool
    }

    package struct Ticket: Decodable, Sendable {
        package let attemptId: String
        package let ticket: String
        package let notAfter: Date
    }

    package func publish(_ envelope: Publication.Envelope) async throws(ProctorError) -> Published {
        try await json("POST", "v1/exams", envelope, expect: [200, 201])
    }

    /// A ticket checked against the pinned key before it is returned.
    package func ticket(examId: String, student: String, code: String, pinned: ServerPublicKey) async throws(ProctorError) -> (signed: [UInt8], ticket: AttemptTicket) {
        struct Request: Encodable { let student: String; let code: String }
        let answer: Ticket = try await json("POST", "v1/exams/\(Self.segment(examId))/tickets", Request(student: student, code: code), expect: [201])
        guard let signed = Base64.decode(answer.ticket) else { throw ProctorError(.badData, "the server's ticket is not base64") }
        let ticket: AttemptTicket
        do { ticket = try AttemptTicket.open(signed, publicKey: pinned.publicKey) } catch {
            throw ProctorError(.verification, "the server at \(base.absoluteString) sent a ticket that the exam's pinned key \(pinned.name) (\(pinned.fingerprint)) does not verify: \(error.message)")
        }
        return (signed, ticket)
    }

    // MARK: - Plumbing

    private func json<Body: Encodable, Answer: Decodable>(_ method: String, _ path: String, _ body: Body, expect: Set<Int>) async throws(ProctorError) -> Answer {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        guard let data = try? encoder.encode(body), let url = URL(string: path, relativeTo: base) else {
            throw ProctorError(.internalFailure, "could not encode the request to \(path)")
        }
        let response: HTTPResponse
        do {
            response = try await http.send(method, url, body: .data(data), headers: ["Content-Type": "application/json"])
        } catch {
            throw ProctorError(.unavailable, "cannot reach the exam server at \(base.absoluteString): \(error.reason)")
        }
        guard expect.contains(response.status) else { throw Self.refusal(response) }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let answer = try? decoder.decode(Answer.self, from: response.body) else {
            throw ProctorError(.badData, "the exam server's answer to \(path) is not what proctor expects (HTTP \(response.status))")
        }
        return answer
    }

    /// The server's own sentence, with an exit status by kind: refused credentials 77, unknown 66,
    /// bad or conflicting data 65, anything else 69.
    static func refusal(_ response: HTTPResponse) -> ProctorError {
        struct Envelope: Decodable { struct Body: Decodable { let code: String; let message: String }; let error: Body }
        let error = try? JSONDecoder().decode(Envelope.self, from: response.body).error
        let code: ProctorError.Code = switch response.status {
        case 401, 403: .permission
        case 404: .missingInput
        case 400, 409, 413, 415, 422: .badData
        default: .unavailable
        }
        let message = error.map { "the exam server refused: \($0.message) (\($0.code), HTTP \(response.status))" }
            ?? "the exam server answered HTTP \(response.status)"
        return ProctorError(code, message)
    }

    /// Exam ids are letters, digits, '.', '_', '-': safe in a path segment as they are.
    static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "._-"))) ?? text
    }
}

extension ServerClient {
    package enum CheckpointAnswer: Sendable {
        /// Stored now, or held already (a resend after a lost answer).
        case accepted
        /// A 4xx: the server will never take this one; the message says why.
        case refused(ProctorError)
    }

    /// Network failures throw (`.unavailable`): the caller keeps the checkpoint and retries.
    package func send(checkpoint signed: [UInt8], attemptId: String) async throws(ProctorError) -> CheckpointAnswer {
        struct Body: Encodable { let checkpoint: String }
        guard let data = try? JSONEncoder().encode(Body(checkpoint: Base64.encode(signed))),
              let url = URL(string: "v1/attempts/\(attemptId)/checkpoints", relativeTo: base) else {
            throw ProctorError(.internalFailure, "could not encode the checkpoint")
        }
        let response: HTTPResponse
        do {
            response = try await http.send("POST", url, body: .data(data), headers: ["Content-Type": "application/json"])
        } catch {
            throw ProctorError(.unavailable, "cannot reach the exam server at \(base.absoluteString): \(error.reason)")
        }
        switch response.status {
        case 200, 201: return .accepted
        // Over the server's rate: not a verdict on the checkpoint, so it stays queued for the next tick.
        case 429: throw Self.refusal(response)
        case 400..<500: return .refused(Self.refusal(response))
        default: throw Self.refusal(response)
        }
    }
}
