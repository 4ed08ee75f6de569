import Foundation
import Server
import XCTest

final class RateLimiterTests: XCTestCase {
    /// 60 a minute with bursts of 3: three at once, then one a second, per key.
    func testBurstThenRefill() async {
        let limiter = RateLimiter(perMinute: 60, burst: 3)
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        for _ in 0..<3 { let wait = await limiter.take("a", now: t0); XCTAssertNil(wait) }
        let refused = await limiter.take("a", now: t0)
        XCTAssertEqual(refused ?? 0, 1, accuracy: 1e-9)
        let other = await limiter.take("b", now: t0)
        XCTAssertNil(other, "each key has its own bucket")
        let half = await limiter.take("a", now: t0.addingTimeInterval(0.5))
        XCTAssertEqual(half ?? 0, 0.5, accuracy: 1e-9)
        let later = await limiter.take("a", now: t0.addingTimeInterval(1.0))
        XCTAssertNil(later)
    }
}
