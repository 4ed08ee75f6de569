import Foundation

/// A plain lock for the few values shared between capture threads and the pipeline thread.
final class Mutex: @unchecked Sendable {
    private let lock = NSLock()

    func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
