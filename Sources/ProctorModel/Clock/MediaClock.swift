import Foundation

/// The one monotonic clock every stream is stamped from, so audio, video, screen and the
/// timeline agree. Media time 0 is when the clock was made, plus `offset` (a resumed part
/// continues the session's time where the previous part ended).
public struct MediaClock: Sendable {
    private let originNanoseconds: UInt64
    public let offset: Double

    public init(offset: Double = 0) {
        originNanoseconds = MediaClock.monotonicNanoseconds()
        self.offset = offset
    }

    /// Seconds of media time now.
    public func now() -> Double {
        offset + Double(MediaClock.monotonicNanoseconds() &- originNanoseconds) / 1e9
    }

    /// Sleeps the calling thread until media time `time` (returns at once if it has passed).
    package func sleep(until time: Double) {
        let wait = time - now()
        if wait > 0.0005 { usleep(UInt32(min(wait, 1) * 1e6)) }
    }

    static func monotonicNanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}
