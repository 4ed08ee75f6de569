import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A web app for one person on this machine: `proctor review` for the instructor, the student
/// page of `proctor begin`. It listens on 127.0.0.1 only (a random free port unless one is
/// asked for), answers only requests that carry its random token under a loopback `Host`
/// (`LoopbackGuard`), sends strict security headers (`SecurityHeaders`) and answers every error
/// as JSON (`APIErrorMiddleware`). The caller adds its routes and pages.
package struct LocalWebApp: Sendable {
    package typealias Context = BasicRequestContext

    package let name: String
    package let requestedPort: Int
    package let token: String
    private let routes: @Sendable (Router<Context>) -> Void

    package init(name: String, port: Int = 0, token: String = LocalWebApp.newToken(), routes: @escaping @Sendable (Router<Context>) -> Void) {
        self.name = name
        self.requestedPort = port
        self.token = token
        self.routes = routes
    }

    /// 256 bits from the kernel's CSPRNG (getrandom), as 64 hex digits.
    package static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
    }

    /// The guarded router with the caller's routes; `run` serves it, tests drive it directly.
    package func makeRouter(port: BoundPort) -> Router<Context> {
        let router = Router(context: Context.self)
        router.add(middleware: APIErrorMiddleware())
        router.add(middleware: SecurityHeaders())
        router.add(middleware: LoopbackGuard(token: token, port: port))
        routes(router)
        return router
    }

    /// Runs until the task is cancelled or, with `stopOnSignals`, until SIGINT/SIGTERM; either
    /// way it finishes the requests in flight first. `onReady` gets the URL to open (with the token) once
    /// the port is bound.
    package func run(stopOnSignals: Bool = false, logger: Logger? = nil, onReady: @escaping @Sendable (URL) async -> Void) async throws {
        let boundPort = BoundPort()
        let router = makeRouter(port: boundPort)
        var quiet = Logger(label: "proctor.\(name)")
        quiet.logLevel = .warning
        let token = self.token
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: requestedPort), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                boundPort.set(port)
                await onReady(URL(string: "http://127.0.0.1:\(port)/?token=\(token)")!)
            },
            logger: logger ?? quiet
        )
        let group = ServiceGroup(configuration: .init(
            services: [app], gracefulShutdownSignals: stopOnSignals ? [.sigterm, .sigint] : [], logger: logger ?? quiet))
        // Cancelling the caller's task (the exam ended, the test is over) is a graceful stop:
        // requests in flight finish, then the socket closes. The group runs in its own task so
        // that the cancellation reaches it only as that shutdown.
        let running = Task { try await group.run() }
        try await withTaskCancellationHandler {
            try await running.value
        } onCancel: {
            Task { await group.triggerGracefulShutdown() }
        }
    }
}

/// The port the app listens on, known only once the socket is bound (port 0 picks one).
package final class BoundPort: Sendable {
    private let port = Mutex(0)
    package init(_ port: Int = 0) { self.port.withLock { $0 = port } }
    package func set(_ value: Int) { port.withLock { $0 = value } }
    package var value: Int { port.withLock { $0 } }
}

/// Opens a URL in the desktop's browser when there is a desktop; never fails the caller.
package enum BrowserOpener {
    package static var hasDisplay: Bool {
        let environment = ProcessInfo.processInfo.environment
        return environment["DISPLAY"]?.isEmpty == false || environment["WAYLAND_DISPLAY"]?.isEmpty == false
    }

    @discardableResult
    package static func open(_ url: URL) -> Bool {
        guard hasDisplay else { return false }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["xdg-open", url.absoluteString]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        return true
    }
}
