import Foundation
import Hummingbird

/// The one error shape every proctor web endpoint answers with: an HTTP status, a stable
/// machine-readable `code` and one sentence a person can act on.
///
///     {"error": {"code": "ticket_expired", "message": "The ticket expired at 10:30 UTC; ask ..."}}
///
/// Handlers throw it; `APIErrorMiddleware` turns every other error (Hummingbird's own, a
/// decoding failure, anything unexpected) into the same shape, so a client never has to parse
/// HTML or an empty body.
package struct APIError: Error, HTTPResponseError, Sendable, Equatable {
    package let status: HTTPResponse.Status
    package let code: String
    package let message: String
    /// Seconds for `Retry-After`, on a 429 or 503 that knows when to come back.
    package var retryAfter: Int?

    package init(_ status: HTTPResponse.Status, code: String, _ message: String, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    package func response(from request: Request, context: some RequestContext) throws -> Response {
        jsonResponse
    }

    package var jsonResponse: Response {
        var body = ByteBuffer()
        body.writeBytes(Self.encode(code: code, message: message))
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }

    private struct Envelope: Encodable {
        struct Body: Encodable { let code: String; let message: String }
        let error: Body
    }

    private static func encode(code: String, message: String) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(Envelope(error: .init(code: code, message: message)))) ?? Data()
    }
}

extension APIError {
    package static func badRequest(_ code: String, _ message: String) -> APIError { .init(.badRequest, code: code, message) }
    package static func forbidden(_ code: String, _ message: String) -> APIError { .init(.forbidden, code: code, message) }
    package static func notFound(_ message: String) -> APIError { .init(.notFound, code: "not_found", message) }
    package static func conflict(_ code: String, _ message: String) -> APIError { .init(.conflict, code: code, message) }
    package static func tooLarge(limit: Int) -> APIError {
        .init(.contentTooLarge, code: "body_too_large", "The request body is larger than the \(limit)-byte limit for this endpoint.")
    }
}
