@testable import Encode
import Foundation
import TestTools
import XCTest
@testable import ProctorModel

final class ScreenTests: XCTestCase {
    /// Under Xvfb, `x11:DISPLAY` records the screen through libavdevice's x11grab at the
    /// screen rate, scaled to the configured size.
    func testX11ScreenUnderXvfbRecordsAScreenStream() throws {
        let display = try XvfbDisplay.start()
        defer { display.stop() }
        var settings = RecordingSettings()
        settings.screen.framesPerSecond = 2
        let sink = MemorySink()
        let recorder = try Recorder(sources: RecordingSources(camera: .none, microphone: .none, screen: .x11(display: display.name)),
                                    settings: settings)
        try recorder.start(into: sink)
        Thread.sleep(forTimeInterval: 3)
        let elapsed = recorder.clock.now()
        let status = try recorder.finish()

        let file = try Fixtures.temporaryFile(sink.bytes)
        defer { try? FileManager.default.removeItem(at: file) }
        XCTAssertEqual(try Fixtures.probeCodecs(file), ["h264"])
        let video = try Fixtures.decode(file, .video)
        XCTAssertEqual(video.width, 1280)
        XCTAssertEqual(video.height, 720)
        XCTAssertEqual(Double(video.frames), elapsed * 2, accuracy: 1.5, "2 fps for \(elapsed) s")
        XCTAssertEqual(status.screenFrames, video.frames)
    }

    func testMissingDisplayIsDeviceUnavailable() {
        XCTAssertThrowsError(try Recorder(sources: RecordingSources(camera: .none, microphone: .none, screen: .x11(display: ":93")))) { error in
            XCTAssertEqual((error as? ProctorError)?.code, .deviceUnavailable)
        }
    }
}
