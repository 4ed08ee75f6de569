import Attest
import Foundation
import XCTest

/// Gaps (media with no checkpoint: the recording stopped) and late arrivals (queued offline),
/// as both export and the dashboard read them, on a 10 s interval.
final class CheckpointTimelineTests: XCTestCase {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func entry(_ sequence: UInt64, arrived: Double, media: Double) -> CheckpointTimeline.Entry {
        .init(sequence: sequence, received: start.addingTimeInterval(arrived), mediaMicros: UInt64(media * 1e6))
    }

    func testANetworkOutageMakesLateCheckpointsAndNoGap() {
        // Made every 10 s; 3, 4 and 5 waited for the network and arrived together at 62 s.
        let entries = [entry(0, arrived: 0, media: 10), entry(1, arrived: 10, media: 20), entry(2, arrived: 20, media: 30),
                       entry(3, arrived: 62, media: 40), entry(4, arrived: 62, media: 50), entry(5, arrived: 62.5, media: 60),
                       entry(6, arrived: 70, media: 70)]
        XCTAssertEqual(CheckpointTimeline.late(entries, interval: 10).map(\.sequence), [3, 4])
        XCTAssertEqual(CheckpointTimeline.gaps(entries, interval: 10), [])
    }

    func testAStoppedRecordingIsAGapAtItsMediaTimes() {
        let entries = [entry(0, arrived: 0, media: 10), entry(1, arrived: 10, media: 20), entry(2, arrived: 100, media: 55)]
        XCTAssertEqual(CheckpointTimeline.gaps(entries, interval: 10), [.init(afterSequence: 1, from: 20, to: 55)])
        XCTAssertEqual(CheckpointTimeline.gaps(entries, interval: 20), [], "35 s of media is under 3 intervals of 20 s")
        XCTAssertEqual(CheckpointTimeline.late(entries, interval: 10).map(\.sequence), [2], "55 s late against its media time")
        XCTAssertEqual(CheckpointTimeline.late([], interval: 10), [])
    }
}
