import Foundation

/// Tunables for one delivery. The defaults suit a student's home connection; tests shrink them.
public struct DeliveryOptions: Sendable {
    /// Bundles larger than this travel to a WebDAV folder as segments of this size, so a dropped
    /// connection costs at most one segment. Memory use is about one segment.
    public var segmentSize = 8 << 20
    public var retry = RetryPolicy()
    /// A request with no progress for this long counts as a network fault and is retried.
    /// Progress is seen when bytes enter the kernel, which may buffer a few MB ahead of the
    /// line; 120 s lets that drain on uplinks down to about 300 kbit/s.
    public var idleTimeout: TimeInterval = 120
    /// HTTP Basic credentials for the destination's origin (never part of the URL).
    public var credentials: SubmitCredentials?

    public init() {}
}

/// Exponential backoff with jitter: thousands of students submit at the same minute, and a
/// server that has just come back must not be hit by all of them in lockstep.
public struct RetryPolicy: Sendable {
    /// Attempts per step (one segment, one verification) before giving up; progress resets it.
    public var maxAttempts = 6
    public var initialDelay: TimeInterval = 1
    public var maxDelay: TimeInterval = 30

    public init(maxAttempts: Int = 6, initialDelay: TimeInterval = 1, maxDelay: TimeInterval = 30) {
        self.maxAttempts = maxAttempts
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
    }

    /// The wait before attempt `attempt + 1` (attempt counts from 1): half fixed, half random.
    func delay(afterAttempt attempt: Int) -> TimeInterval {
        let ceiling = min(maxDelay, initialDelay * pow(2, Double(attempt - 1)))
        return ceiling / 2 + Double.random(in: 0...(ceiling / 2))
    }
}

/// What a delivery reports while it runs; the CLI draws it as a progress bar or plain lines.
public enum DeliveryEvent: Sendable {
    /// Hashing the bundle before sending (done, total bytes).
    case hashing(done: Int64, total: Int64)
    /// Bytes confirmed at the destination or in flight, out of the bundle's size.
    case sending(done: Int64, total: Int64)
    /// Bytes an earlier attempt already delivered, which this one will not send again.
    case resumed(alreadyThere: Int64, total: Int64)
    /// A network fault; the step is tried again after `delay` seconds.
    case retrying(attempt: Int, of: Int, delay: TimeInterval, reason: String)
    case verifying
}

public typealias DeliveryEventHandler = @Sendable (DeliveryEvent) -> Void
