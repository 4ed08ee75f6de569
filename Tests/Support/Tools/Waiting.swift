import Foundation

/// Polls `condition` until it holds or `timeout` seconds pass; returns whether it held. Tests
/// wait on what they can observe, never for a fixed time: a fixed sleep is either too long on
/// an idle machine or too short on a loaded one. The timeout only bounds a broken test.
@discardableResult
public func waitUntil(timeout: Double, poll: Double = 0.005, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
    while true {
        if try condition() { return true }
        if ContinuousClock.now >= deadline { return try condition() }
        Thread.sleep(forTimeInterval: poll)
    }
}
