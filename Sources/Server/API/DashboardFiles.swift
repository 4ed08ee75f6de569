import Foundation
import HTTPTypes
import Hummingbird
import WebLayer

extension CollectionServer {
    /// `GET /v1/instructor/attempts/{attempt}/files/{kind}`: a received attempt's sealed bundle
    /// (`bundle`), signed receipt (`receipt`) or checkpoint log (`checkpoints`), streamed from
    /// the bundle folder, for the instructor who published its exam. The bundle stays sealed to
    /// the exam's recipients: the server hands over what it cannot read.
    func dashboardFile(_ request: Request, context: Context, attemptId: String, kind: String) async throws -> Response {
        let instructor = try instructor(request)
        try await limitRate("instructor:\(instructor.fingerprint)")
        guard let file = Self.downloadable[kind] else {
            throw APIError(.notFound, code: "unknown_file", "An attempt's files are bundle, receipt and checkpoints.")
        }
        guard AttemptID.isValid(attemptId) else {
            throw APIError.badRequest("bad_attempt_id", "An attempt id is 32 lowercase hex digits, as the ticket gave it.")
        }
        // Another instructor's attempt answers as an unknown one, as their exams do.
        guard let attempt = try await store.attempt(id: attemptId), let exam = try await store.exam(id: attempt.examId),
              Self.published(exam, by: instructor) else {
            throw APIError(.notFound, code: "unknown_attempt", "No attempt \(attemptId) of an exam you published is on this server.")
        }
        guard try await store.receipt(attemptId: attempt.attemptId) != nil else {
            throw APIError(.notFound, code: "no_receipt", "No bundle has been received for this attempt yet.")
        }
        let url = try folder.url(attempt.attemptId, file.kind)
        let body = try await FileIO().loadFile(path: url.path, context: context)
        var headers = HTTPFields()
        headers[.contentType] = file.type
        headers[.contentDisposition] = "attachment; filename=\"\(attempt.attemptId).\(file.kind.rawValue)\""
        return Response(status: .ok, headers: headers, body: body)
    }

    static let downloadable: [String: (kind: BundleFolder.Kind, type: String)] = [
        "bundle": (.proctor, "application/octet-stream"),
        "receipt": (.receipt, "application/octet-stream"),
        "checkpoints": (.checkpoints, "application/octet-stream"),
    ]
}
