import Foundation
import Hummingbird

/// The door of a local web app (`proctor review`, the student page): only this machine, only
/// with the token printed in the terminal, only under the loopback name it was started on.
///
/// - `Host` must be 127.0.0.1, localhost or [::1] with the app's port, so a page on another
///   site that rebinds its DNS name to 127.0.0.1 is refused (DNS rebinding).
/// - `Origin`, when a browser sends one, must be the same loopback origin.
/// - The token comes as `?token=` once (answered with an HttpOnly, SameSite=Strict cookie and a
///   redirect that takes the token out of the address bar and history), then as that cookie, or
///   as `Authorization: Bearer` for scripts. Anything else is a 403.
package struct LoopbackGuard<Context: RequestContext>: RouterMiddleware {
    package let token: String
    private let boundPort: BoundPort

    package init(token: String, port: BoundPort) {
        self.token = token
        self.boundPort = port
    }

    package var port: Int { boundPort.value }

    /// The cookie name carries the port: two local apps on one machine share one cookie jar.
    package var cookieName: String { "proctor_token_\(port)" }

    package var allowedHosts: Set<String> {
        ["127.0.0.1:\(port)", "localhost:\(port)", "[::1]:\(port)"]
    }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // HTTP/1's Host header arrives as the request's authority.
        let host = (request.head.authority ?? "").lowercased()
        guard allowedHosts.contains(host) else {
            throw APIError.forbidden("foreign_host", "This app answers only at http://127.0.0.1:\(port); the Host header named \(host.isEmpty ? "nothing" : host).")
        }
        if let origin = request.headers[.origin]?.lowercased(), !allowedHosts.contains(where: { "http://\($0)" == origin }) {
            throw APIError.forbidden("foreign_origin", "Requests from \(origin) are refused: only pages of this app may call it.")
        }
        if let offered = request.uri.queryParameters["token"].map(String.init) {
            guard Self.constantTimeEqual(offered, token) else {
                throw APIError.forbidden("bad_token", "The token in the address is wrong: open the URL printed in the terminal.")
            }
            return Self.redirectSettingCookie(request: request, name: cookieName, token: token)
        }
        guard presented(in: request).map({ Self.constantTimeEqual($0, token) }) == true else {
            throw APIError.forbidden("token_required", "This app needs its access token: open the URL printed in the terminal.")
        }
        return try await next(request, context)
    }

    private func presented(in request: Request) -> String? {
        if let authorization = request.headers[.authorization], authorization.hasPrefix("Bearer ") {
            return String(authorization.dropFirst("Bearer ".count))
        }
        return request.cookies[cookieName]?.value
    }

    /// 303 to the same path and query without `token`, with the cookie that replaces it.
    static func redirectSettingCookie(request: Request, name: String, token: String) -> Response {
        var components = URLComponents()
        components.path = request.uri.path
        let kept = request.uri.queryParameters.filter { $0.key != "token" }
        if !kept.isEmpty {
            components.queryItems = kept.map { URLQueryItem(name: String($0.key), value: String($0.value)) }
        }
        var headers = HTTPFields()
        headers[.location] = components.string ?? "/"
        headers[.setCookie] = "\(name)=\(token); Path=/; HttpOnly; SameSite=Strict"
        headers[.cacheControl] = "no-store"
        return Response(status: .seeOther, headers: headers)
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}
