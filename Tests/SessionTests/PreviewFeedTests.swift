import Dispatch
import Encode
import ProctorModel
import XCTest
@testable import Session

/// The preview: paced to its rate, frames named by sequence, a held frame for "take photo",
/// one JPEG per frame (the page's bytes are the photo's), and nothing kept once stopped.
final class PreviewFeedTests: XCTestCase {
    private static func picture(_ level: UInt8, at time: Double) -> AnalysisImage {
        AnalysisImage(width: 64, height: 48, format: .gray8, pixels: .init(repeating: level, count: 64 * 48), time: time)
    }

    func testFramesArePacedToTheRateAndNumberedInOrder() {
        let feed = PreviewFeed(rate: 2)
        let kept = stride(from: 0.0, to: 3, by: 1.0 / 30).compactMap { feed.publish(Self.picture(100, at: $0)) }
        XCTAssertEqual(kept.map(\.sequence), [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(kept.map(\.image.time)[0], 0)
        XCTAssertEqual(kept.map(\.image.time)[1], 0.5, accuracy: 0.034)
        XCTAssertEqual(feed.latest?.sequence, 6)
    }

    func testAHeldFrameStaysTheLatestUntilReleasedAndOldFramesAreGone() {
        let feed = PreviewFeed(rate: 2)
        for index in 0..<12 { feed.publish(Self.picture(UInt8(index * 10), at: Double(index))) }
        XCTAssertNil(feed.hold(1), "only the last \(PreviewFeed.kept) frames are kept")
        XCTAssertEqual(feed.hold(10)?.image.pixels.first, 90)
        feed.publish(Self.picture(200, at: 12))
        XCTAssertEqual(feed.latest?.sequence, 10, "the photo on screen does not move")
        XCTAssertEqual(feed.held?.sequence, 10)
        feed.release()
        XCTAssertEqual(feed.latest?.sequence, 13)
    }

    func testTheJPEGIsEncodedOnceAndDecodesToThePicture() throws {
        let feed = PreviewFeed()
        let frame = try XCTUnwrap(feed.publish(Self.picture(180, at: 0)))
        let jpeg = try frame.jpeg()
        XCTAssertEqual(try frame.jpeg(), jpeg)
        let decoded = try StillImage.decode(jpeg, as: .gray8)
        XCTAssertEqual(decoded.width, 64)
        XCTAssertEqual(Double(decoded.pixels.map(Int.init).reduce(0, +)) / Double(decoded.pixels.count), 180, accuracy: 2)
    }

    func testAStoppedFeedKeepsAndServesNothing() async {
        let feed = PreviewFeed()
        feed.publish(Self.picture(1, at: 0))
        feed.stop()
        XCTAssertTrue(feed.isStopped)
        XCTAssertNil(feed.latest)
        XCTAssertNil(feed.publish(Self.picture(1, at: 5)))
        let waited = await feed.frame(after: 0, timeout: 5)
        XCTAssertNil(waited)
    }

    func testALongPollReturnsTheNextFrameWhenItComes() async {
        let feed = PreviewFeed()
        feed.publish(Self.picture(1, at: 0))
        let image = Self.picture(2, at: 1)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.1) { feed.publish(image) }
        let next = await feed.frame(after: 1, timeout: 5)
        XCTAssertEqual(next?.sequence, 2)
    }
}
