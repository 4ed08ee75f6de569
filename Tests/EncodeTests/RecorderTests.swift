@testable import Encode
import Foundation
import XCTest
@testable import ProctorModel

final class RecorderTests: XCTestCase {
    /// lavfi test camera and sine microphone, three seconds in real time, into memory; decoded
    /// back it must be H.264 640x480 and Opus, with the frame count and length of three seconds.
    func testTestSourcesRecordThreeSecondsOfVideoAndAudio() throws {
        let sink = MemorySink()
        let tap = CollectingTap()
        let recorder = try Recorder(sources: RecordingSources(camera: .test, microphone: .test))
        try recorder.start(into: sink, tap: tap)
        Thread.sleep(forTimeInterval: 3)
        // The ground truth is the session clock, not the sleep: a busy machine oversleeps.
        let elapsed = recorder.clock.now()
        let status = try recorder.finish()

        let file = try Fixtures.temporaryFile(sink.bytes)
        defer { try? FileManager.default.removeItem(at: file) }
        XCTAssertEqual(try Fixtures.probeCodecs(file), ["h264", "opus"])
        let video = try Fixtures.decode(file, .video)
        XCTAssertEqual(video.width, 640)
        XCTAssertEqual(video.height, 480)
        XCTAssertEqual(Double(video.frames), elapsed * 30, accuracy: 4, "30 fps for \(elapsed) s")
        XCTAssertEqual(video.duration(frameLength: 1.0 / 30), elapsed, accuracy: 0.2)
        let audio = try Fixtures.decode(file, .audio)
        XCTAssertEqual(Double(audio.samples.count) / 48_000, elapsed, accuracy: 0.2)
        // A full-scale-ish sine: lavfi's sine source is at 1/8 amplitude, RMS 0.125/sqrt(2).
        XCTAssertEqual(audio.rms, 0.125 / 2.0.squareRoot(), accuracy: 0.01)
        XCTAssertEqual(abs((video.first ?? 9) - (audio.first ?? -9)), 0, accuracy: 0.15, "audio and video start together")

        XCTAssertEqual(status.cameraFrames, video.frames)
        XCTAssertEqual(status.droppedFrames, 0)
        XCTAssertGreaterThan(sink.writeCount, 4, "the stream reaches the sink as it is recorded, not at the end")
        // About 3 analysis pictures per second, downscaled grey.
        XCTAssertEqual(Double(tap.images.count), elapsed * 3, accuracy: 2)
        XCTAssertEqual(tap.images.first?.width, 320)
        XCTAssertEqual(tap.images.first?.format, .gray8)
        XCTAssertEqual(tap.audio.reduce(0) { $0 + $1.duration }, elapsed, accuracy: 0.2)
    }

    /// What reached the sink at any moment is a Matroska prefix that decodes up to at most
    /// about half a second before that moment: this is what survives a crash.
    func testPrefixOfTheStreamDecodesUpToTheMomentItWasTaken() throws {
        let sink = MemorySink()
        let recorder = try Recorder(sources: RecordingSources(camera: .test, microphone: .test))
        try recorder.start(into: sink)
        Thread.sleep(forTimeInterval: 2)
        let prefix = sink.bytes
        let takenAt = recorder.clock.now()
        try recorder.finish()

        let file = try Fixtures.temporaryFile(prefix)
        defer { try? FileManager.default.removeItem(at: file) }
        let video = try Fixtures.decode(file, .video)
        let audio = try Fixtures.decode(file, .audio)
        let videoEnd = (video.last ?? 0) + 1.0 / 30
        let audioEnd = (audio.first ?? 0) + Double(audio.samples.count) / 48_000
        XCTAssertGreaterThan(videoEnd, takenAt - 1.0, "video in the prefix ends \(takenAt - videoEnd) s before it was taken")
        XCTAssertGreaterThan(audioEnd, takenAt - 1.0, "audio in the prefix ends \(takenAt - audioEnd) s before it was taken")
        XCTAssertLessThanOrEqual(videoEnd, takenAt + 0.05)
    }

    func testStillIsAFullSizeRGBPicture() throws {
        let recorder = try Recorder(sources: RecordingSources(camera: .test, microphone: .none))
        let still = try recorder.still()
        XCTAssertEqual(still.width, 640)
        XCTAssertEqual(still.height, 480)
        XCTAssertEqual(still.format, .rgb24)
        // testsrc2 is colourful: the picture is not one flat value.
        XCTAssertGreaterThan(Set(still.pixels.prefix(30_000)).count, 20)
    }

    func testMissingCameraIsDeviceUnavailableWhenOpened() {
        XCTAssertThrowsError(try Recorder(sources: RecordingSources(camera: .v4l2(device: "/dev/video97"), microphone: .test))) { error in
            XCTAssertEqual((error as? ProctorError)?.code, .deviceUnavailable)
            XCTAssertEqual((error as? ProctorError)?.message, "v4l2 device /dev/video97 was not found")
        }
    }

    func testMissingMicrophoneAndFileAreReportedWithTheirCodes() {
        XCTAssertThrowsError(try Recorder(sources: RecordingSources(camera: .none, microphone: .alsa(pcm: "proctor_no_such_pcm")))) { error in
            XCTAssertEqual((error as? ProctorError)?.code, .deviceUnavailable)
        }
        XCTAssertThrowsError(try Recorder(sources: RecordingSources(camera: .file(path: "/nonexistent/cam.mkv"), microphone: .none))) { error in
            XCTAssertEqual((error as? ProctorError)?.code, .missingInput)
        }
        XCTAssertThrowsError(try Recorder(sources: RecordingSources(camera: .none, microphone: .none))) { error in
            XCTAssertEqual((error as? ProctorError)?.code, .usage)
        }
    }
}
