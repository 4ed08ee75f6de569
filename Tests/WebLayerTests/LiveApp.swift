import Foundation
import Hummingbird
import WebLayer

/// Runs a `LocalWebApp` on a random loopback port for the length of `body`, as `proctor review`
/// and the student page do, and stops it afterwards.
func withLiveApp<T: Sendable>(_ app: LocalWebApp, _ body: @Sendable (_ port: Int, _ url: URL) async throws -> T) async throws -> T {
    let (ready, continuation) = AsyncStream.makeStream(of: URL.self)
    let server = Task { try await app.run { url in continuation.yield(url) } }
    defer { server.cancel() }
    var iterator = ready.makeAsyncIterator()
    guard let url = await iterator.next(), let port = url.port else { throw CancellationError() }
    let result = try await body(port, url)
    server.cancel()
    _ = await server.result
    return result
}
