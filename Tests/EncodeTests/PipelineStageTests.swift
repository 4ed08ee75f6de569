@testable import Encode
import Foundation
import XCTest
@testable import ProctorModel
import Synchronization

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
        let opens = OpenCount()
        let device = FlakyCamera(failAfter: 3, failedOpens: 2, opens: opens)
        try device.open()
        let queue = BoundedQueue(capacity: 32)
        let thread = CaptureThread(device: device, queue: queue, retryInterval: 0.1)
        thread.start(clock: MediaClock())
        // Read what the thread hands on until the camera is back and two more frames came
        // through; the watchdog only ends a test whose thread never gets there.
        let watchdog = DispatchWorkItem { queue.close() }
        DispatchQueue.global().asyncAfter(deadline: .now() + 10, execute: watchdog)
        var frames = 0
        var framesSinceRestored: Int?
        var notices: [RecordingNotice] = []
        func take(_ item: Captured) {
            switch item {
            case .video:
                frames += 1
                framesSinceRestored = framesSinceRestored.map { $0 + 1 }
            case .notice(let notice):
                notices.append(notice)
                if notice.kind == "camera.restored" { framesSinceRestored = 0 }
            case .audio: XCTFail("a camera delivers no audio")
            }
        }
        while (framesSinceRestored ?? 0) < 2, let item = queue.pop() { take(item) }
        watchdog.cancel()
        thread.stop()
        queue.close()
        while let item = queue.pop() { take(item) }
        XCTAssertEqual(notices.map(\.kind).prefix(2), ["camera.lost", "camera.restored"])
        let gap = try XCTUnwrap(notices.dropFirst().first?.measured["gapSeconds"])
        // Two failed reopens, each followed by a 0.1 s pause, then success: at least 0.2 s; the
        // upper bound only allows for a loaded machine oversleeping.
        XCTAssertGreaterThanOrEqual(gap, 0.195, "two retry pauses")
        XCTAssertLessThan(gap, 0.7, "retried every 0.1 s, not longer")
        XCTAssertGreaterThan(frames, 3, "frames after the reconnection are delivered too")
        XCTAssertEqual(opens.value.load(ordering: .relaxed), 4, "first open, two failures, one success")
    }
}

private final class OpenCount: Sendable {
    let value = Atomic<Int>(0)
}

/// Stands in for a webcam being unplugged, the one boundary that cannot run here: delivers
/// `failAfter` frames, fails, then refuses `failedOpens` reopen attempts.
private final class FlakyCamera: CaptureDevice {
    let role = SourceRole.camera
    let retries = true
    private(set) var isOpen = false
    /// Counted where the test can read it after the capture thread took the device over.
    private let opens: OpenCount
    private var delivered = 0
    private let failAfter: Int
    private var failedOpens: Int

    init(failAfter: Int, failedOpens: Int, opens: OpenCount) {
        self.failAfter = failAfter
        self.failedOpens = failedOpens
        self.opens = opens
    }

    func open() throws(ProctorError) {
        let opened = opens.value.wrappingAdd(1, ordering: .relaxed).newValue
        if opened > 1, failedOpens > 0 {
            failedOpens -= 1
            throw ProctorError(.deviceUnavailable, "camera was not found")
        }
        isOpen = true
    }

    func next(clock: MediaClock) throws(ProctorError) -> Captured? {
        usleep(20_000)
        delivered += 1
        if delivered == failAfter { throw ProctorError(.deviceUnavailable, "reading the source failed: No such device") }
        return .video(Frame(), time: clock.now(), source: .camera)
    }

    func close() { isOpen = false }
    func resetPacing() {}
}

final class FileSourceTests: XCTestCase {
    /// `file:PATH` plays a media file as the camera and the microphone, paced in real time: a
    /// 2 s clip at 25 fps gives its 50 frames (not "dropped" ones for missing 30 fps slots) and
    /// 2 s of audio, then each source reports that it ended while the recording goes on.
    func testFileSourcePlaysAClipInRealTimeAndReportsItsEnd() throws {
        let clip = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-clip-\(UUID().uuidString).mkv")
        defer { try? FileManager.default.removeItem(at: clip) }
        let made = try Fixtures.run("/usr/bin/ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=2",
                                                        "-f", "lavfi", "-i", "sine=frequency=220:duration=2", "-c:v", "mjpeg", "-c:a", "pcm_s16le",
                                                        "-y", clip.path])
        XCTAssertEqual(made, 0)
        let sink = MemorySink()
        let notices = NoticeLog()
        let recorder = try Recorder(sources: RecordingSources(camera: .file(path: clip.path), microphone: .file(path: clip.path)))
        try recorder.start(into: sink) { notices.append($0) }
        XCTAssertTrue(notices.wait(for: ["camera.ended", "mic.ended"], timeout: 15), "both sources end after the 2 s clip: \(notices.notices.map(\.kind))")
        let status = try recorder.finish()

        let file = try Fixtures.temporaryFile(sink.bytes)
        defer { try? FileManager.default.removeItem(at: file) }
        let video = try Fixtures.decode(file, .video)
        XCTAssertEqual(video.frames, 50)
        XCTAssertEqual(video.width, 640, "scaled to the camera size")
        XCTAssertEqual(status.droppedFrames, 0)
        XCTAssertEqual(video.duration(frameLength: 0.04), 2, accuracy: 0.1)
        let audio = try Fixtures.decode(file, .audio)
        XCTAssertEqual(Double(audio.samples.count) / 48_000, 2, accuracy: 0.05)
        XCTAssertEqual(Set(notices.notices.map(\.kind)), ["camera.ended", "mic.ended"])
    }
}

final class VideoEncoderTests: XCTestCase {
    private func encoder(fps: Int) throws -> (VideoEncoder, Frame, MemorySink, MatroskaMuxer) {
        let sink = MemorySink()
        let muxer = try MatroskaMuxer(sink: sink, clusterMilliseconds: 500)
        let video = RecordingSettings.Video(width: 320, height: 240, framesPerSecond: fps, bitsPerSecond: 200_000)
        let encoder = try VideoEncoder(video, preset: "ultrafast", muxer: muxer, title: "camera")
        try muxer.start(title: "grid test")
        let source = try InputMedia(format: "lavfi", url: "testsrc2=size=320x240:rate=30", options: [:], type: .video)
        let frame = Frame()
        XCTAssertTrue(try source.nextFrame(into: frame))
        return (encoder, frame, sink, muxer)
    }

    /// Frames missing from a steady source are counted; a source slower than the grid is not
    /// "missing" anything; a faster one is decimated to the grid.
    func testMissingFramesAreCountedAgainstTheSourcesOwnRate() throws {
        let (thirty, frame, _, _) = try encoder(fps: 30)
        for index in 0..<30 where !(10..<20).contains(index) { try thirty.encode(frame, time: Double(index) / 30) }
        XCTAssertEqual(thirty.skippedSlots, 10)
        XCTAssertEqual(thirty.encodedFrames, 20)

        let (grid, frame25, _, _) = try encoder(fps: 30)
        for index in 0..<50 { try grid.encode(frame25, time: Double(index) / 25) }
        XCTAssertEqual(grid.skippedSlots, 0, "25 fps on a 30 fps grid loses nothing")
        XCTAssertEqual(grid.encodedFrames, 50)

        let (slow, frame60, _, _) = try encoder(fps: 15)
        for index in 0..<60 { try slow.encode(frame60, time: Double(index) / 60) }
        XCTAssertEqual(slow.encodedFrames, 16, "60 fps over 0.98 s decimated to the 15 fps grid: slots 0...15")
        XCTAssertEqual(slow.skippedSlots, 0)
    }
}

/// The capture-to-pipeline hand-over: video is dropped and counted when the queue is full,
/// audio waits for room and is never lost, and `close` lets the consumer drain and stop.
final class BoundedQueueTests: XCTestCase {
    func testFullQueueDropsVideoButKeepsAudioInOrder() {
        let queue = BoundedQueue(capacity: 2)
        XCTAssertTrue(queue.push(.video(Frame(), time: 0, source: .camera)))
        XCTAssertTrue(queue.push(.video(Frame(), time: 1, source: .screen)))
        XCTAssertFalse(queue.push(.video(Frame(), time: 2, source: .camera)), "a late picture is dropped")
        XCTAssertEqual(queue.droppedCount, 1)
        XCTAssertTrue(queue.push(.audio([7], time: 3)), "audio has room up to twice the capacity")
        queue.close()
        XCTAssertFalse(queue.push(.audio([8], time: 4)), "nothing goes in after close")
        var times: [Double] = []
        while let item = queue.pop() {
            switch item {
            case .video(_, let time, _), .audio(_, let time): times.append(time)
            case .notice: XCTFail("no notice was pushed")
            }
        }
        XCTAssertEqual(times, [0, 1, 3])
    }

    /// A producer far faster than the consumer: every block arrives, in order, while the queue
    /// never holds more than it allows (the producer waits instead).
    func testAudioBackPressureLosesNothing() {
        let queue = BoundedQueue(capacity: 4)
        let producer = Thread {
            for index in 0..<2_000 { queue.push(.audio([Int16(index % 30_000)], time: Double(index))) }
            queue.close()
        }
        producer.start()
        var received: [Double] = []
        while let item = queue.pop() {
            if case .audio(_, let time) = item { received.append(time) }
        }
        XCTAssertEqual(received, (0..<2_000).map(Double.init))
        XCTAssertEqual(queue.droppedCount, 0)
    }
}
