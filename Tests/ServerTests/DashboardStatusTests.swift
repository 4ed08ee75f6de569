import Foundation
@testable import Server
import XCTest

/// Where the dashboard puts an attempt, on a 10 s checkpoint interval.
final class DashboardStatusTests: XCTestCase {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func status(last: Double?, uploading: Bool = false, received: Bool = false, endsIn: Double = 600) -> String {
        CollectionServer.status(lastCheckpoint: last.map { now.addingTimeInterval(-$0) }, uploading: uploading, received: received,
                                notAfter: now.addingTimeInterval(endsIn), interval: 10, now: now)
    }

    func testEachStatus() {
        XCTAssertEqual(status(last: nil), "ticket_issued")
        XCTAssertEqual(status(last: 4), "recording")
        XCTAssertEqual(status(last: 30), "recording", "three intervals is still recording")
        XCTAssertEqual(status(last: 31), "offline")
        XCTAssertEqual(status(last: 500, uploading: true), "uploading")
        XCTAssertEqual(status(last: 500, received: true, endsIn: -60), "received", "a receipt holds whatever the clock says")
        XCTAssertEqual(status(last: 5, endsIn: -1), "expired")
        XCTAssertEqual(status(last: nil, uploading: true, endsIn: -1), "uploading")
    }
}
