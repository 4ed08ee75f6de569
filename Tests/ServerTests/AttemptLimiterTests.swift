import Foundation
import Server
import XCTest

final class AttemptLimiterTests: XCTestCase {
    func testLimitHoldsForTheWindowThenLifts() async {
        let limiter = AttemptLimiter(limit: 3, window: 60)
        let start = Date(timeIntervalSince1970: 1_000_000)
        for second in 0..<2 { await limiter.fail("e\u{0}s1", now: start.addingTimeInterval(Double(second))) }
        let belowLimit = await limiter.blockedUntil("e\u{0}s1", now: start.addingTimeInterval(5))
        XCTAssertNil(belowLimit)
        await limiter.fail("e\u{0}s1", now: start.addingTimeInterval(10))
        let blocked = await limiter.blockedUntil("e\u{0}s1", now: start.addingTimeInterval(11))
        XCTAssertEqual(blocked, start.addingTimeInterval(60), "until the first of the last three failures leaves the window")
        let other = await limiter.blockedUntil("e\u{0}s2", now: start.addingTimeInterval(11))
        XCTAssertNil(other)
        let later = await limiter.blockedUntil("e\u{0}s1", now: start.addingTimeInterval(60))
        XCTAssertNil(later, "one failure left the window")
    }
}
