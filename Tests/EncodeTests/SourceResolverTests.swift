@testable import Encode
import Foundation
import ProctorModel
import XCTest

/// `auto` and the fit of a spec to its role are decided once, by `SourceResolver`, for begin
/// (the Recorder) and precheck alike.
final class SourceResolverTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-dev-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func touch(_ names: String...) {
        for name in names { _ = FileManager.default.createFile(atPath: folder.appendingPathComponent(name).path, contents: nil) }
    }

    func testAutoCameraWithoutVideoNodesNamesWhereItLooked() {
        let resolver = SourceResolver(deviceFolder: folder.path, environment: [:])
        XCTAssertThrowsError(try resolver.resolve(.auto, for: .camera)) { error in
            let error = error as? ProctorError
            XCTAssertEqual(error?.code, .deviceUnavailable)
            XCTAssertEqual(error?.message, "no camera was found (searched \(folder.path)/video*); plug one in or pass --camera")
        }
        // begin fails the same way, before anything is recorded.
        XCTAssertThrowsError(try Recorder(sources: RecordingSources(camera: .auto, microphone: .test), resolver: resolver)) { error in
            XCTAssertEqual((error as? ProctorError)?.code, .deviceUnavailable)
            XCTAssertEqual((error as? ProctorError)?.message, "no camera was found (searched \(folder.path)/video*); plug one in or pass --camera")
        }
    }

    /// Any /dev/videoN counts (not only 0-9), the lowest number first; other names do not.
    func testAutoCameraTakesTheLowestNumberedNode() throws {
        touch("video12", "video3", "video", "videoX", "video-loop")
        let resolver = SourceResolver(deviceFolder: folder.path, environment: [:])
        XCTAssertEqual(resolver.cameraNodes(), ["\(folder.path)/video3", "\(folder.path)/video12"])
        XCTAssertEqual(try resolver.resolve(.auto, for: .camera), .v4l2(device: "\(folder.path)/video3"))
        touch("video11")
        XCTAssertEqual(try resolver.resolve(.auto, for: .camera), .v4l2(device: "\(folder.path)/video3"))
    }

    /// Under Wayland `DISPLAY` names XWayland, whose x11grab picture is black: `auto` takes
    /// the portal whenever the session is Wayland, and x11grab only on an X11 session.
    func testAutoScreenPrefersThePortalOnWayland() throws {
        let screen = { (environment: [String: String]) in
            try SourceResolver(deviceFolder: self.folder.path, environment: environment).resolve(.auto, for: .screen)
        }
        XCTAssertEqual(try screen(["WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"]), .portal)
        XCTAssertEqual(try screen(["XDG_SESSION_TYPE": "wayland", "DISPLAY": ":0"]), .portal)
        XCTAssertEqual(try screen(["XDG_SESSION_TYPE": "x11", "DISPLAY": ":0"]), .x11(display: ":0"))
        XCTAssertEqual(try screen(["WAYLAND_DISPLAY": "", "DISPLAY": ":1"]), .x11(display: ":1"))
        XCTAssertNil(try screen([:]))
        XCTAssertEqual(try screen([:].merging(["DISPLAY": ":0"]) { $1 }), .x11(display: ":0"))
        let resolver = SourceResolver(deviceFolder: folder.path, environment: ["DISPLAY": ":0"])
        XCTAssertEqual(try resolver.resolve(.portal, for: .screen), .portal, "forced, whatever the session")
        XCTAssertEqual(try SourceResolver(deviceFolder: folder.path, environment: ["WAYLAND_DISPLAY": "w"]).resolve(.x11(display: ":3"), for: .screen),
                       .x11(display: ":3"), "forced, whatever the session")
    }

    /// No portal on the session bus (the tests run outside any desktop session; the Wayland
    /// stack's bus is private to HeadlessSway): begin fails before recording, exit 69, saying
    /// what to install.
    func testPortalWithoutASessionBusIsDeviceUnavailable() {
        var settings = RecordingSettings()
        settings.screenConsentSeconds = 2
        XCTAssertThrowsError(try Recorder(sources: RecordingSources(camera: .none, microphone: .none, screen: .portal), settings: settings,
                                          resolver: SourceResolver(environment: [:]))) { error in
            let error = error as? ProctorError
            XCTAssertEqual(error?.code, .deviceUnavailable)
            XCTAssertTrue(error?.message.hasPrefix("the screen cannot be recorded through the desktop portal") ?? false, error?.message ?? "")
        }
    }

    func testEveryRoleResolves() throws {
        let resolver = SourceResolver(deviceFolder: folder.path, environment: ["DISPLAY": ":7"])
        XCTAssertEqual(try resolver.resolve(.auto, for: .microphone), .alsa(pcm: "default"))
        XCTAssertEqual(try resolver.resolve(.auto, for: .screen), .x11(display: ":7"))
        XCTAssertNil(try SourceResolver(deviceFolder: folder.path, environment: [:]).resolve(.auto, for: .screen), "no display, no screen")
        XCTAssertNil(try resolver.resolve(.none, for: .camera))
        XCTAssertEqual(try resolver.resolve(.test, for: .microphone), .test)
        XCTAssertEqual(try resolver.resolve(.alsa(pcm: "hw:1,0"), for: .microphone), .alsa(pcm: "hw:1,0"))
        XCTAssertThrowsError(try resolver.resolve(.file(path: folder.appendingPathComponent("none.mkv").path), for: .microphone)) { error in
            XCTAssertEqual((error as? ProctorError)?.code, .missingInput)
            XCTAssertEqual((error as? ProctorError)?.message, "microphone file '\(self.folder.path)/none.mkv' does not exist")
        }
        XCTAssertThrowsError(try resolver.resolve(.x11(display: ":0"), for: .camera)) { error in
            XCTAssertEqual((error as? ProctorError)?.code, .usage)
            XCTAssertEqual((error as? ProctorError)?.message, "--camera 'x11::0' is not a camera source")
        }
    }
}

/// Open failures carry the AVERROR / ALSA code in `underlying`; retries decide on it.
final class CaptureErrorTests: XCTestCase {
    func testAVErrorsMapToCodesAndKeepTheAVERROR() {
        // AVERROR(e) is -e on every POSIX system FFmpeg builds for.
        let cases: [(Int32, String?, ProctorError.Code, String)] = [
            (-EBUSY, "v4l2", .deviceBusy, "v4l2 device /dev/video4 is in use by another program; close it and try again"),
            (-ENOENT, "v4l2", .deviceUnavailable, "v4l2 device /dev/video4 was not found"),
            (-EACCES, "v4l2", .deviceUnavailable, "v4l2 device /dev/video4 cannot be opened: permission denied (are you in the 'video' group?)"),
            (-ENOENT, nil, .missingInput, "'/dev/video4' was not found"),
        ]
        for (status, format, code, message) in cases {
            let error = InputMedia.openError(status, format: format, url: "/dev/video4")
            XCTAssertEqual(error.code, code, message)
            XCTAssertEqual(error.message, message)
            XCTAssertEqual(error.underlying, status)
            XCTAssertTrue(AVCaptureDevice.isSettled(error), "\(message): another option set cannot help")
        }
        let refused = InputMedia.openError(-EINVAL, format: "v4l2", url: "/dev/video4")
        XCTAssertEqual(refused.code, .deviceUnavailable)
        XCTAssertEqual(refused.underlying, -EINVAL)
        XCTAssertFalse(AVCaptureDevice.isSettled(refused), "a refused format is worth the next option set")
    }

    func testALSAOpenErrorsKeepTheCode() {
        let busy = PCMCapture.openError(-EBUSY, name: "hw:0")
        XCTAssertEqual(busy.code, .deviceBusy)
        XCTAssertEqual(busy.underlying, -EBUSY)
        let forbidden = PCMCapture.openError(-EACCES, name: "hw:0")
        XCTAssertEqual(forbidden.code, .deviceUnavailable)
        XCTAssertEqual(forbidden.underlying, -EACCES)
    }

    /// The real libraries: a missing V4L2 node and an unknown ALSA PCM.
    func testRealOpenFailuresCarryTheirCode() {
        XCTAssertThrowsError(try Recorder(sources: RecordingSources(camera: .v4l2(device: "/dev/video97"), microphone: .none))) { error in
            XCTAssertEqual((error as? ProctorError)?.code, .deviceUnavailable)
            XCTAssertEqual((error as? ProctorError)?.underlying, -ENOENT)
        }
        XCTAssertThrowsError(try Recorder(sources: RecordingSources(camera: .none, microphone: .alsa(pcm: "proctor_no_such_pcm")))) { error in
            XCTAssertEqual((error as? ProctorError)?.code, .deviceUnavailable)
            XCTAssertEqual((error as? ProctorError)?.underlying, -ENOENT)
        }
    }
}
