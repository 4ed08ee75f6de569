import Foundation

/// `Synchronization.Mutex<State>` plus waiting for a condition on the state, which Mutex does
/// not offer: the hand-over queues between capture, pipeline and writer threads block on it.
/// State lives inside the lock and is reached only through `withLock`, as with Mutex; it is
/// Sendable because what a waiter takes out goes on to another thread.
// @unchecked: NSCondition guards `state`; every access is inside lock()/unlock() below.
package final class ConditionLock<State: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var state: State

    package init(_ state: State) { self.state = state }

    /// Runs `body` under the lock, then wakes every waiter (the state may have changed).
    package func withLock<Result, E: Error>(_ body: (inout State) throws(E) -> Result) throws(E) -> Result {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        return try body(&state)
    }

    /// Waits until `ready` holds, then runs `body` under the same lock and wakes every waiter.
    package func withLock<Result, E: Error>(when ready: (borrowing State) -> Bool,
                                            _ body: (inout State) throws(E) -> Result) throws(E) -> Result {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        while !ready(state) { condition.wait() }
        return try body(&state)
    }
}
