import Foundation
import ProctorModel
import Synchronization

/// How one attempt at a step ended, when it did not succeed.
enum StepFailure: Error {
    /// Worth another attempt after a pause: a network fault or a server that is briefly down.
    case transient(String, fromServer: Bool)
    /// Waiting cannot fix it (refused, too large, full); reported at once.
    case final(ProctorError)
}

/// Runs delivery steps with bounded exponential backoff and keeps the counts a receipt reports.
final class RetryingSteps {
    let policy: RetryPolicy
    let destination: String
    let bundlePath: String
    let onEvent: DeliveryEventHandler
    /// Whether any request got an HTTP answer during this run: if so, a later run of faults is
    /// an interrupted transfer (74), otherwise the server was never reachable (69).
    private(set) var reachedServer = false
    private(set) var retries = 0

    init(policy: RetryPolicy, destination: String, bundlePath: String, onEvent: @escaping DeliveryEventHandler) {
        self.policy = policy
        self.destination = destination
        self.bundlePath = bundlePath
        self.onEvent = onEvent
    }

    func noteAnswer() { reachedServer = true }

    func run<T>(_ step: () async throws(StepFailure) -> T) async throws(ProctorError) -> T {
        var attempt = 1
        while true {
            do {
                return try await step()
            } catch {
                switch error {
                case .final(let error):
                    throw error
                case .transient(let reason, let fromServer):
                    guard attempt < max(1, policy.maxAttempts) else { throw gaveUp(reason, fromServer: fromServer) }
                    let delay = policy.delay(afterAttempt: attempt)
                    onEvent(.retrying(attempt: attempt, of: policy.maxAttempts, delay: delay, reason: reason))
                    retries += 1
                    attempt += 1
                    try? await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000))
                }
            }
        }
    }

    private func gaveUp(_ reason: String, fromServer: Bool) -> ProctorError {
        let again = "run `proctor submit` again to resume; your bundle is kept at \(bundlePath)"
        if fromServer {
            return ProctorError(.unavailable, "\(destination) keeps failing (\(reason)); \(again)")
        }
        if reachedServer {
            return ProctorError(.io, "the upload to \(destination) was interrupted (\(reason)) and did not recover after \(policy.maxAttempts) attempts; \(again)")
        }
        return ProctorError(.unavailable, "cannot reach \(destination) (\(reason)); check the network and \(again)")
    }

    /// Turns an HTTP status into success, a retry, or an error a student can act on.
    func check(_ response: HTTPResponse, doing what: String, size: Int64) throws(StepFailure) {
        noteAnswer()
        let status = response.status
        let kept = "your bundle is kept at \(bundlePath)"
        switch status {
        case 200..<300:
            return
        case 300..<400:
            // Never followed (HTTPClient): the bundle and any credentials would go elsewhere.
            let target = response.header("Location").map { DeliveryDestination.redacted($0) } ?? "an address it did not name"
            throw .final(ProctorError(.unavailable, "\(destination) answered HTTP \(status), a redirect to \(target), which uploads never follow: ask your instructor for the final submission address; \(kept)"))
        case 401, 403:
            throw .final(ProctorError(.permission, "\(destination) refused to \(what) (HTTP \(status)): the submission address or its permissions are wrong, ask your instructor; \(kept)"))
        case 413:
            throw .final(ProctorError(.io, "\(destination) refuses uploads of \(size) bytes (HTTP 413 Payload Too Large): ask your instructor to raise the server's limit; \(kept)"))
        case 507:
            throw .final(ProctorError(.io, "\(destination) is out of storage (HTTP 507): tell your instructor; \(kept)"))
        case 408, 429, 500, 502, 503, 504:
            throw .transient("HTTP \(status)", fromServer: true)
        default:
            throw .final(ProctorError(.unavailable, "\(destination) could not \(what) (HTTP \(status)); \(kept)"))
        }
    }

    /// Sends one request, turning a transport failure into a retryable or final step failure.
    func send(_ client: HTTPClient, _ method: String, _ url: URL, body: HTTPBody = .empty, headers: [String: String] = [:],
              onSent: (@Sendable (Int64) -> Void)? = nil) async throws(StepFailure) -> HTTPResponse {
        let moved = ByteCounter()
        do {
            let response = try await client.send(method, url, body: body, headers: headers) { sent in
                moved.set(sent)
                onSent?(sent)
            }
            noteAnswer()
            return response
        } catch {
            // Bytes left this machine, so the server was reachable: what follows is an interruption.
            if moved.value > 0 { noteAnswer() }
            guard error.retryable else {
                throw .final(ProctorError(.unavailable, "cannot deliver to \(destination): \(error.reason)"))
            }
            throw .transient(error.reason, fromServer: false)
        }
    }
}

/// A byte count written from URLSession's delegate thread and read by the delivering task.
final class ByteCounter: Sendable {
    private let count = Atomic<Int64>(0)

    var value: Int64 { count.load(ordering: .acquiring) }

    func set(_ value: Int64) { count.store(value, ordering: .releasing) }

    func add(_ value: Int64) { count.add(value, ordering: .acquiringAndReleasing) }
}
