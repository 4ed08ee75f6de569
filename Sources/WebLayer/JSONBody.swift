import Foundation
import Hummingbird

/// Reads a request body with a hard byte limit and decodes it as JSON. A body over the limit is
/// refused (413) before it is buffered whole; malformed JSON is a 400 naming the field.
package enum JSONBody {
    package static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
        var request = request
        let buffer = try await collect(&request, limit: limit)
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw APIError.badRequest("malformed_json", "The request body is not the JSON this endpoint expects: \(APIErrorMiddleware<BasicRequestContext>.describe(error)).")
        }
    }

    package static func collect(_ request: inout Request, limit: Int) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw APIError.tooLarge(limit: limit)
        }
        do {
            return try await request.collectBody(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.tooLarge(limit: limit)
        }
    }

    /// A JSON response from an `Encodable`, keys sorted so that bodies are stable to compare.
    package static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        var body = ByteBuffer()
        body.writeBytes(try encoder.encode(value))
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }
}
