import Dispatch
import Foundation

/// Why a recording ends.
public enum EndReason: String, Sendable, Codable {
    case timeLimit = "time-limit"
    case duration
    case interrupted
    case submitted
    case diskFull = "disk-full"
    case failed
}

/// Turns SIGINT (Ctrl-C), SIGTERM and SIGUSR1 (sent by `proctor submit` from another
/// terminal) into requests the session loop polls. Handled through dispatch sources, so
/// nothing runs inside a signal handler.
final class StopRequests: @unchecked Sendable {
    enum Request: Equatable { case interrupt, terminate, submit }

    private let lock = NSLock()
    private var pending: [Request] = []
    private var sources: [DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "proctor.signals")

    func install() {
        for (number, request) in [(SIGINT, Request.interrupt), (SIGTERM, .terminate), (SIGUSR1, .submit)] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [weak self] in self?.post(request) }
            source.resume()
            sources.append(source)
        }
    }

    func uninstall() {
        for source in sources { source.cancel() }
        sources.removeAll()
        for number in [SIGINT, SIGTERM, SIGUSR1] { signal(number, SIG_DFL) }
    }

    func post(_ request: Request) {
        lock.lock()
        pending.append(request)
        lock.unlock()
    }

    /// The oldest request not yet handled.
    func take() -> Request? {
        lock.lock()
        defer { lock.unlock() }
        return pending.isEmpty ? nil : pending.removeFirst()
    }
}
