import Dispatch
import Foundation
import Synchronization

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
final class StopRequests: Sendable {
    enum Request: Equatable, Sendable { case interrupt, terminate, submit }

    /// The signal sources while they are installed; owned by whoever installed them.
    struct Installation {
        fileprivate let sources: [any DispatchSourceSignal]

        func uninstall() {
            for source in sources { source.cancel() }
            for number in [SIGINT, SIGTERM, SIGUSR1] { signal(number, SIG_DFL) }
        }
    }

    private let pending = Mutex<[Request]>([])
    private let queue = DispatchQueue(label: "proctor.signals")

    func install() -> Installation {
        var sources: [any DispatchSourceSignal] = []
        for (number, request) in [(SIGINT, Request.interrupt), (SIGTERM, .terminate), (SIGUSR1, .submit)] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [weak self] in self?.post(request) }
            source.resume()
            sources.append(source)
        }
        return Installation(sources: sources)
    }

    func post(_ request: Request) {
        pending.withLock { $0.append(request) }
    }

    /// The oldest request not yet handled.
    func take() -> Request? {
        pending.withLock { $0.isEmpty ? nil : $0.removeFirst() }
    }
}
