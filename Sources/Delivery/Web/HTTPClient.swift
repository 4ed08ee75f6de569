import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

/// A response with any status; what a status means for delivery is decided by the caller.
struct HTTPResponse: Sendable {
    let status: Int
    let headers: [String: String]
    let body: Data

    func header(_ name: String) -> String? { headers[name.lowercased()] }

    var contentLength: Int64? { header("Content-Length").flatMap { Int64($0) } }
}

/// The request never got a response: refused, reset, timed out, name not found.
struct NetworkFault: Error, Sendable {
    let reason: String
    /// False for faults that waiting cannot fix (a bad certificate, an unsupported URL).
    let retryable: Bool
}

enum HTTPBody: Sendable {
    case empty
    case data(Data)
    /// Streamed from disk by URLSession in constant memory (measured: ~40 MiB RSS for a
    /// 300 MB upload, the same as for 30 MB).
    case file(URL, size: Int64)
}

/// URLSession (FoundationNetworking, libcurl underneath) with one request at a time and
/// byte-level send progress. Delegate callbacks rather than completion handlers, because on
/// Linux `didSendBodyData` is only delivered to delegate-driven tasks.
///
/// On Linux `timeoutIntervalForRequest` does not restart when body bytes go out (measured: a
/// steady 300 KB/s upload was cut at the timeout), so it would cap every PUT's duration and a
/// slow home connection could never finish a large one. URLSession's timeout is therefore set
/// out of reach and a watchdog here cancels a request only when no byte moved for `idleTimeout`.
final class HTTPClient: NSObject, URLSessionDataDelegate, Sendable {
    private struct Exchange: Sendable {
        let continuation: CheckedContinuation<HTTPResponse, Error>
        let onSent: (@Sendable (Int64) -> Void)?
        var body = Data()
        var lastProgress = Date()
        var stalled = false
        init(_ continuation: CheckedContinuation<HTTPResponse, Error>, onSent: (@Sendable (Int64) -> Void)?) {
            self.continuation = continuation
            self.onSent = onSent
        }
    }

    /// Responses we read are small (errors, a manifest); anything longer is not ours to keep.
    private static let maximumBody = 1 << 20
    private struct State {
        var exchanges: [Int: Exchange] = [:]
        var session: URLSession?
    }

    private let state = Mutex(State())
    private let idleTimeout: TimeInterval
    private let credentials: SubmitCredentials?
    /// The one origin `credentials` are sent to (the destination's).
    private let credentialOrigin: String?
    /// Far beyond any upload: the watchdog, not URLSession, decides when a request is dead.
    private static let unreachableTimeout: TimeInterval = 7 * 86_400

    init(idleTimeout: TimeInterval, credentials: SubmitCredentials? = nil, for destination: URL? = nil) {
        self.idleTimeout = idleTimeout
        self.credentials = credentials
        self.credentialOrigin = destination.flatMap(SubmitCredentials.origin)
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = Self.unreachableTimeout
        configuration.timeoutIntervalForResource = Self.unreachableTimeout
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpMaximumConnectionsPerHost = 1
        let session = URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
        state.withLock { $0.session = session }
    }

    /// The session retains its delegate, so it has to be let go of explicitly.
    func close() {
        state.withLock { $0.session.take() }?.finishTasksAndInvalidate()
    }

    func send(_ method: String, _ url: URL, body: HTTPBody = .empty, headers: [String: String] = [:],
              onSent: (@Sendable (Int64) -> Void)? = nil) async throws(NetworkFault) -> HTTPResponse {
        guard let session = state.withLock({ $0.session }) else { throw NetworkFault(reason: "the HTTP session is closed", retryable: false) }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = Self.unreachableTimeout
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let credentials, let origin = SubmitCredentials.origin(of: url), origin == credentialOrigin {
            request.setValue(credentials.authorization, forHTTPHeaderField: "Authorization")
        }
        var watchdog: Task<Void, Never>?
        defer { watchdog?.cancel() }
        do {
            return try await withCheckedThrowingContinuation { continuation in
                let task: URLSessionTask
                switch body {
                case .empty:
                    task = session.dataTask(with: request)
                case .data(let data):
                    request.setValue(String(data.count), forHTTPHeaderField: "Content-Length")
                    task = session.uploadTask(with: request, from: data)
                case .file(let file, let size):
                    request.setValue(String(size), forHTTPHeaderField: "Content-Length")
                    task = session.uploadTask(with: request, fromFile: file)
                }
                state.withLock { $0.exchanges[task.taskIdentifier] = Exchange(continuation, onSent: onSent) }
                task.resume()
                watchdog = watch(task)
            }
        } catch let fault as NetworkFault {
            throw fault
        } catch {
            throw Self.fault(from: error)
        }
    }

    /// Cancels `task` once neither a sent nor a received byte has moved for `idleTimeout`.
    private func watch(_ task: URLSessionTask) -> Task<Void, Never> {
        let period = min(max(idleTimeout / 4, 0.05), 5)
        let identifier = task.taskIdentifier
        return Task.detached { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: UInt64(period * 1_000_000_000))
                guard let self, self.markIfStalled(identifier) else { continue }
                task.cancel()
                return
            }
        }
    }

    private func markIfStalled(_ identifier: Int) -> Bool {
        state.withLock { state in
            guard let exchange = state.exchanges[identifier], Date().timeIntervalSince(exchange.lastProgress) > idleTimeout else { return false }
            state.exchanges[identifier]?.stalled = true
            return true
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didSendBodyData bytesSent: Int64,
                    totalBytesSent: Int64, totalBytesExpectedToSend: Int64) {
        let exchange = state.withLock { state -> Exchange? in
            state.exchanges[task.taskIdentifier]?.lastProgress = Date()
            return state.exchanges[task.taskIdentifier]
        }
        exchange?.onSent?(totalBytesSent)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        state.withLock { state in
            state.exchanges[dataTask.taskIdentifier]?.lastProgress = Date()
            guard let exchange = state.exchanges[dataTask.taskIdentifier], exchange.body.count < Self.maximumBody else { return }
            state.exchanges[dataTask.taskIdentifier]?.body.append(data.prefix(Self.maximumBody - exchange.body.count))
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        guard let exchange = state.withLock({ $0.exchanges.removeValue(forKey: task.taskIdentifier) }) else { return }
        if exchange.stalled {
            exchange.continuation.resume(throwing: NetworkFault(reason: "no progress for \(Int(idleTimeout.rounded(.up))) s", retryable: true))
        } else if let error {
            exchange.continuation.resume(throwing: Self.fault(from: error))
        } else if let response = task.response as? HTTPURLResponse {
            var headers: [String: String] = [:]
            for (name, value) in response.allHeaderFields {
                headers[String(describing: name).lowercased()] = String(describing: value)
            }
            exchange.continuation.resume(returning: HTTPResponse(status: response.statusCode, headers: headers, body: exchange.body))
        } else {
            exchange.continuation.resume(throwing: NetworkFault(reason: "the server sent no HTTP response", retryable: true))
        }
    }

    private static func fault(from error: Error) -> NetworkFault {
        guard let error = error as? URLError else {
            return NetworkFault(reason: String(describing: error), retryable: true)
        }
        // libcurl's "SSL certificate problem" reaches us under varying codes; waiting never fixes it.
        if error.code == .secureConnectionFailed || error.localizedDescription.localizedCaseInsensitiveContains("certificate") {
            return NetworkFault(reason: "the server's TLS certificate was not accepted (\(error.localizedDescription))", retryable: false)
        }
        switch error.code {
        case .cannotConnectToHost: return NetworkFault(reason: "connection refused", retryable: true)
        case .networkConnectionLost: return NetworkFault(reason: "connection lost", retryable: true)
        case .timedOut: return NetworkFault(reason: "timed out", retryable: true)
        case .cannotFindHost, .dnsLookupFailed: return NetworkFault(reason: "server name not found", retryable: true)
        case .notConnectedToInternet: return NetworkFault(reason: "not connected to a network", retryable: true)
        case .serverCertificateUntrusted, .serverCertificateHasBadDate, .serverCertificateNotYetValid,
             .serverCertificateHasUnknownRoot, .clientCertificateRejected, .clientCertificateRequired:
            return NetworkFault(reason: "the server's TLS certificate was not accepted", retryable: false)
        case .unsupportedURL, .badURL: return NetworkFault(reason: "unsupported URL", retryable: false)
        default: return NetworkFault(reason: error.localizedDescription, retryable: true)
        }
    }

    /// Redirects are never followed: URLSession would resend the PUT (with its Authorization
    /// header) to wherever the server points, another origin included, and on Linux it then
    /// stalls waiting for a body it cannot replay. The 3xx itself is returned to the caller.
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}
