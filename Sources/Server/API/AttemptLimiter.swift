import Foundation

/// Wrong enrolment codes and tokens per exam and student: after `limit` within `window` the
/// student is refused (429) until the window has passed, so a code cannot be guessed online
/// even at 60 bits. Held in this process's memory: behind a load balancer each instance counts
/// on its own (a shared count belongs in the metadata store; docs/server.md).
package actor AttemptLimiter {
    private let limit: Int
    private let window: TimeInterval
    private var failures: [String: [Date]] = [:]

    package init(limit: Int = 5, window: TimeInterval = 15 * 60) {
        self.limit = limit
        self.window = window
    }

    /// When `key` may try again, or nil when it may now.
    package func blockedUntil(_ key: String, now: Date = Date()) -> Date? {
        let recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < window }
        failures[key] = recent.isEmpty ? nil : recent
        return recent.count >= limit ? recent[recent.count - limit].addingTimeInterval(window) : nil
    }

    package func fail(_ key: String, now: Date = Date()) {
        failures[key, default: []].append(now)
    }
}
