import Attest
import Exam
import Foundation
import Hummingbird
import Logging
import ProctorModel
import Seal
import ServiceLifecycle
import WebLayer

/// `proctor serve`: the routes, listed here in one place, over a `MetadataStore` and a
/// `BundleFolder` (docs/server.md). Handlers decode, call one of the steps in `API/`, encode.
package struct CollectionServer: Sendable {
    package typealias Context = BasicRequestContext

    let config: ServerConfig
    let store: any MetadataStore
    let folder: BundleFolder
    let key: SigningKey
    package let identity: ServerPublicKey
    let logger: Logger
    let limiter = AttemptLimiter()
    let rates: RateLimiter

    package init(config: ServerConfig, store: any MetadataStore, key: SigningKey, identity: ServerPublicKey, logger: Logger) throws(ProctorError) {
        self.config = config
        self.store = store
        self.folder = try BundleFolder(root: config.bundlesDirectory)
        self.key = key
        self.identity = identity
        self.logger = logger
        rates = RateLimiter(perMinute: config.limits.requestsPerMinute, burst: 2 * config.limits.requestsPerMinute)
    }

    package func makeRouter() -> Router<Context> {
        let router = Router(context: Context.self)
        router.add(middleware: APIErrorMiddleware())
        router.add(middleware: SecurityHeaders())
        router.get("/healthz") { _, _ in try JSONBody.response(APIBodies.Health(status: "ok")) }
        router.get("/readyz") { _, _ in try await ready() }
        router.post("/v1/exams") { request, _ in try await publish(request) }
        router.post("/v1/exams/:exam/tickets") { request, context in
            try await issueTicket(request, examId: context.parameters.require("exam"))
        }
        router.post("/v1/attempts/:attempt/checkpoints") { request, context in
            try await receiveCheckpoint(request, attemptId: context.parameters.require("attempt"))
        }
        router.post("/v1/attempts/:attempt/upload") { request, context in
            try await createUpload(request, attemptId: context.parameters.require("attempt"))
        }
        router.head("/v1/attempts/:attempt/upload") { _, context in
            try await uploadOffset(attemptId: context.parameters.require("attempt"))
        }
        router.patch("/v1/attempts/:attempt/upload") { request, context in
            try await appendUpload(request, attemptId: context.parameters.require("attempt"))
        }
        router.get("/v1/attempts/:attempt/receipt") { _, context in
            try await receipt(attemptId: context.parameters.require("attempt"))
        }
        router.get("/v1/instructor/exams") { request, _ in try await dashboardExams(request) }
        router.get("/v1/instructor/exams/:exam/attempts") { request, context in
            try await dashboardAttempts(request, examId: context.parameters.require("exam"))
        }
        router.get("/v1/instructor/attempts/:attempt/files/:kind") { request, context in
            try await dashboardFile(request, context: context, attemptId: context.parameters.require("attempt"),
                                    kind: context.parameters.require("kind"))
        }
        Self.dashboardPages.register(on: router)
        return router
    }

    /// The dashboard page: plain HTML, CSS and JavaScript in the binary, under the strict CSP.
    static let dashboardPages = EmbeddedAssets([
        "/dashboard": PackageResources.dashboard_html,
        "/dashboard.js": PackageResources.dashboard_js,
        "/dashboard.css": PackageResources.dashboard_css,
    ])

    /// Serves until SIGTERM/SIGINT (or the task is cancelled), then lets requests in flight finish.
    package func run(onReady: @escaping @Sendable (Int) async -> Void) async throws {
        let app = Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: nil),
            onServerRunning: { channel in await onReady(channel.localAddress?.port ?? 0) },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }

    private func ready() async throws -> Response {
        do {
            try await store.ping()
        } catch {
            logger.error("database not ready", metadata: ["error": "\(error)"])
            throw APIError(.serviceUnavailable, code: "not_ready", "The metadata database does not answer.")
        }
        return try JSONBody.response(APIBodies.Health(status: "ready"))
    }

    /// A path segment naming an attempt: 32 hex digits or a 400, before anything is looked up;
    /// then the attempt's share of the request rate (429 `rate_limited`).
    func checkedAttempt(_ text: String) async throws -> AttemptRecord {
        guard AttemptID.isValid(text) else {
            throw APIError.badRequest("bad_attempt_id", "An attempt id is 32 lowercase hex digits, as the ticket gave it.")
        }
        try await limitRate("attempt:\(text)")
        guard let attempt = try await store.attempt(id: text) else {
            throw APIError(.notFound, code: "unknown_attempt", "No attempt \(text) was issued by this server.")
        }
        return attempt
    }

    /// Refuses a request over its token's rate with 429 and `Retry-After` (whole seconds).
    func limitRate(_ key: String) async throws {
        guard let wait = await rates.take(key) else { return }
        let seconds = max(1, Int(wait.rounded(.up)))
        throw APIError(.tooManyRequests, code: "rate_limited",
                       "Too many requests for this \(key.hasPrefix("attempt:") ? "attempt" : "instructor"); retry after \(seconds) s.", retryAfter: seconds)
    }
}

extension Array where Element == UInt8 {
    init?(hex: String) {
        guard hex.utf8.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self = bytes
    }
}
