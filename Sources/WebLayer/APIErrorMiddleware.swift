import Foundation
import Hummingbird
import Logging

/// Outermost middleware: whatever a handler or Hummingbird throws leaves as an `APIError`
/// JSON body. Unknown errors become a 500 whose message names no internals; the detail goes to
/// the log, not to the client.
package struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    package init() {}

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.jsonResponse
        } catch let error as HTTPError {
            return Self.translate(error).jsonResponse
        } catch let error as DecodingError {
            return APIError.badRequest("malformed_json", "The request body is not the JSON this endpoint expects: \(Self.describe(error)).").jsonResponse
        } catch {
            context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return APIError(.internalServerError, code: "internal", "The server failed to handle this request; the log has the detail.").jsonResponse
        }
    }

    static func translate(_ error: HTTPError) -> APIError {
        switch error.status {
        case .notFound: return .notFound(error.body ?? "No such resource.")
        case .contentTooLarge: return .init(.contentTooLarge, code: "body_too_large", error.body ?? "The request body is too large for this endpoint.")
        case .methodNotAllowed: return .init(.methodNotAllowed, code: "method_not_allowed", "This resource does not accept \(error.status.reasonPhrase) for that method.")
        default:
            let code = error.status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_")
            return .init(error.status, code: code, error.body ?? error.status.reasonPhrase + ".")
        }
    }

    /// One line naming the field, never the whole Swift description.
    package static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
            return keys.isEmpty ? "the body" : keys.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "\(parent == "the body" ? "" : parent + ".")\(key.stringValue) is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(path(context)) has the wrong type"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "it is not valid JSON" : "\(path(context)) is invalid"
        @unknown default:
            return "it could not be decoded"
        }
    }
}

/// Answers a path no route matched with the JSON 404 instead of an empty body.
package struct NotFoundResponder<Context: RequestContext>: HTTPResponder {
    package init() {}
    package func respond(to request: Request, context: Context) async throws -> Response {
        APIError.notFound("No resource at \(request.uri.path).").jsonResponse
    }
}
