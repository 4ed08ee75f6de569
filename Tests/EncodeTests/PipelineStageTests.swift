@testable import Encode
import Foundation
import XCTest

final class PipelineStageTests: XCTestCase {
    /// A jump in the microphone's time (an overrun the device recovered from) is filled with
    /// silence so audio stays in step with video, and reported with its length.
    func testAudioGapIsFilledWithSilenceAndReported() throws {
        let sink = MemorySink()
        let muxer = try MatroskaMuxer(sink: sink, clusterMilliseconds: 500)
        let encoder = try AudioEncoder(rate: 48_000, bitsPerSecond: 32_000, muxer: muxer, title: "microphone")
        try muxer.start(title: "gap test")
        let tone = (0..<48_000).map { Int16(8_000 * sin(Double($0) * 2 * .pi * 440 / 48_000)) }
        XCTAssertEqual(try encoder.append(tone, time: 0), 0)
        XCTAssertEqual(try encoder.append(tone, time: 1.5), 0.5, accuracy: 1e-9)
        XCTAssertEqual(try encoder.append(Array(tone.prefix(960)), time: 2.52), 0, "20 ms of jitter is not a gap")
        try encoder.flush()
        try muxer.finish()

        let file = try Fixtures.temporaryFile(sink.bytes)
        defer { try? FileManager.default.removeItem(at: file) }
        let audio = try Fixtures.decode(file, .audio)
        XCTAssertEqual(Double(audio.samples.count) / 48_000, 2.52, accuracy: 0.03)
        XCTAssertLessThan(audio.rms(of: audio.samples[52_000..<70_000]), 0.005, "the gap is silent")
        XCTAssertGreaterThan(audio.rms(of: audio.samples[80_000..<120_000]), 0.1)
    }

    /// A device that fails is reported lost, retried, and reported restored with the gap,
    /// while the thread keeps delivering what the device reads.
    func testCaptureThreadRetriesALostDevice() throws {
        let device = FlakyCamera(failAfter: 3, failedOpens: 2)
        let queue = BoundedQueue(capacity: 32)
        let thread = CaptureThread(device: device, queue: queue, clock: MediaClock(), retryInterval: 0.1)
        try device.open()
        thread.start()
        Thread.sleep(forTimeInterval: 0.6)
        thread.stop()
        queue.close()
        var frames = 0
        var notices: [RecordingNotice] = []
        while let item = queue.pop() {
            switch item {
            case .video: frames += 1
            case .notice(let notice): notices.append(notice)
            case .audio: XCTFail("a camera delivers no audio")
            }
        }
        XCTAssertEqual(notices.map(\.kind).prefix(2), ["camera.lost", "camera.restored"])
        let gap = try XCTUnwrap(notices.dropFirst().first?.measured["gapSeconds"])
        XCTAssertEqual(gap, 0.3, accuracy: 0.15, "two failed reopens 0.1 s apart, then success")
        XCTAssertGreaterThan(frames, 3, "frames after the reconnection are delivered too")
        XCTAssertEqual(device.opens, 4, "first open, two failures, one success")
    }
}

/// Stands in for a webcam being unplugged, the one boundary that cannot run here: delivers
/// `failAfter` frames, fails, then refuses `failedOpens` reopen attempts.
private final class FlakyCamera: CaptureDevice {
    let role = "camera"
    let retries = true
    private(set) var isOpen = false
    private(set) var opens = 0
    private var delivered = 0
    private let failAfter: Int
    private var failedOpens: Int

    init(failAfter: Int, failedOpens: Int) {
        self.failAfter = failAfter
        self.failedOpens = failedOpens
    }

    func open() throws(EncodeError) {
        opens += 1
        if opens > 1, failedOpens > 0 {
            failedOpens -= 1
            throw EncodeError(.deviceUnavailable, "camera was not found")
        }
        isOpen = true
    }

    func next(clock: MediaClock) throws(EncodeError) -> Captured? {
        usleep(20_000)
        delivered += 1
        if delivered == failAfter { throw EncodeError(.deviceUnavailable, "reading the source failed: No such device") }
        return .video(Frame(), time: clock.now(), screen: false)
    }

    func close() { isOpen = false }
    func resetPacing() {}
}
