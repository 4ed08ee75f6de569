import Foundation

/// Requests per token (an attempt id, an instructor key), as a token bucket: `perMinute`
/// refill, bursts up to `burst`. In this process's memory like `AttemptLimiter`: behind N
/// instances a client gets up to N times the rate, which still stops a flood from one client
/// without a shared counter on every request's path.
package actor RateLimiter {
    private let perSecond: Double
    private let burst: Double
    private var buckets: [String: (tokens: Double, at: Date)] = [:]

    package init(perMinute: Int, burst: Int) {
        perSecond = Double(perMinute) / 60
        self.burst = Double(burst)
    }

    /// Takes one request for `key`; nil when allowed, else the seconds until one would be.
    package func take(_ key: String, now: Date = Date()) -> Double? {
        let held = buckets[key] ?? (burst, now)
        var tokens = min(burst, held.tokens + max(0, now.timeIntervalSince(held.at)) * perSecond)
        guard tokens >= 1 else {
            buckets[key] = (tokens, now)
            return (1 - tokens) / perSecond
        }
        tokens -= 1
        buckets[key] = (tokens, now)
        // A full bucket is the default: forgetting it keeps the table to the clients active now.
        if tokens >= burst - 1, buckets.count > 10_000 { buckets[key] = nil }
        return nil
    }
}
