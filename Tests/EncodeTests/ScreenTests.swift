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

    /// Screen pictures reach the detectors' tap beside the camera's, small, gray, at their own
    /// rate (1/s from a 2 fps screen) and tagged `.screen`; camera pictures stay `.camera`.
    func testScreenPicturesReachTheTapTaggedAndSmall() throws {
        let display = try XvfbDisplay.start()
        defer { display.stop() }
        try display.paint("red")
        var settings = RecordingSettings()
        settings.screen.framesPerSecond = 2
        let tap = CollectingTap()
        let recorder = try Recorder(sources: RecordingSources(camera: .test, microphone: .none, screen: .x11(display: display.name)),
                                    settings: settings)
        try recorder.start(into: MemorySink(), tap: tap)
        XCTAssertTrue(waitUntil(timeout: 15) { tap.images.filter { $0.source == .screen }.count >= 4 })
        try recorder.finish()

        let screen = tap.images.filter { $0.source == .screen }
        let camera = tap.images.filter { $0.source == .camera }
        XCTAssertEqual(Set(screen.map { "\($0.width)x\($0.height) \($0.format)" }), ["120x90 gray8"], "Xvfb's 1024x768 fitted in 160x90")
        XCTAssertEqual(Set(camera.map { "\($0.width)x\($0.height)" }), ["320x240"])
        let steps = zip(screen.dropFirst(), screen).map { $0.time - $1.time }
        XCTAssertEqual(steps.reduce(0, +) / Double(steps.count), 1, accuracy: 0.1, "1/s from a 2 fps screen: \(steps)")
        // xsetroot -solid red is BT.601 luma 76; the cursor covers a few pixels.
        let red = screen[0].pixels.filter { abs(Int($0) - 76) <= 2 }.count
        XCTAssertGreaterThan(Double(red) / Double(screen[0].pixels.count), 0.95)
    }

    /// Precheck's one frame: through the opened x11grab device, before recording starts.
    func testScreenStillIsTheDisplaysPicture() throws {
        let display = try XvfbDisplay.start()
        defer { display.stop() }
        let request = AnalysisRequest(width: 160, height: 90, format: .gray8, framesPerSecond: 1)
        let open = { try Recorder(sources: RecordingSources(camera: .none, microphone: .none, screen: .x11(display: display.name))) }
        let black = try open().screenStill(request)
        XCTAssertEqual(black.source, .screen)
        XCTAssertEqual(black.width, 120, "Xvfb's 1024x768 fitted in 160x90")
        XCTAssertEqual(black.height, 90)
        XCTAssertGreaterThan(Double(black.pixels.filter { $0 < 8 }.count) / Double(black.pixels.count), 0.99, "nothing drawn: black")
        try display.paint("red")
        let red = try open().screenStill(request)
        XCTAssertGreaterThan(Double(red.pixels.filter { abs(Int($0) - 76) <= 2 }.count) / Double(red.pixels.count), 0.95)
    }

    func testMissingDisplayIsDeviceUnavailable() {
        XCTAssertThrowsError(try Recorder(sources: RecordingSources(camera: .none, microphone: .none, screen: .x11(display: ":93")))) { error in
            XCTAssertEqual((error as? ProctorError)?.code, .deviceUnavailable)
        }
    }
}
