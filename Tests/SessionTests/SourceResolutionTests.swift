import Encode
import Foundation
import ProctorModel
@testable import Session
import XCTest

/// Precheck and begin resolve sources through the same `SourceResolver`: what precheck passes
/// is what the recording opens, and where begin would fail precheck fails with the same words.
final class SourceResolutionTests: XCTestCase {
    func testAutoCameraFailsInPrecheckExactlyWhereBeginFails() throws {
        let resolver = SourceResolver()
        try XCTSkipUnless(resolver.cameraNodes().isEmpty, "this machine has a camera; the no-camera path cannot be shown here")
        var beginError: ProctorError?
        XCTAssertThrowsError(try Recorder(sources: RecordingSources(camera: .auto, microphone: .none))) { beginError = $0 as? ProctorError }
        XCTAssertEqual(beginError?.code, .deviceUnavailable)
        XCTAssertEqual(beginError?.message, "no camera was found (searched /dev/video*); plug one in or pass --camera")
        let result = CameraCheck().run(PrecheckContext(camera: .auto, microphone: .none, screen: .none))
        XCTAssertEqual(result.status, .fail)
        XCTAssertEqual(result.message, beginError?.message)
    }

    func testAutoScreenFollowsTheDisplayBeginSees() {
        let headless = ScreenCheck().run(PrecheckContext(camera: .none, microphone: .none, screen: .auto, environment: [:]))
        XCTAssertEqual(headless.status, .warn, headless.message)
        XCTAssertEqual(headless.message, "no Wayland or X display (WAYLAND_DISPLAY and DISPLAY are not set): the screen will not be recorded")
        // Begin records no screen then: with nothing else, there is nothing to record.
        XCTAssertThrowsError(try Recorder(sources: RecordingSources(camera: .none, microphone: .none, screen: .auto),
                                          resolver: SourceResolver(environment: [:]))) { error in
            XCTAssertEqual((error as? ProctorError)?.code, .usage)
        }
        let gone = ScreenCheck().run(PrecheckContext(camera: .none, microphone: .none, screen: .auto, environment: ["DISPLAY": ":93"]))
        XCTAssertEqual(gone.status, .fail)
        XCTAssertEqual(gone.message, "X display :93 was not found")
    }

    func testSpecsForAnotherRoleFailTheirCheck() {
        let microphone = MicrophoneCheck().run(PrecheckContext(camera: .none, microphone: .x11(display: ":0"), screen: .none))
        XCTAssertEqual(microphone.status, .fail)
        XCTAssertEqual(microphone.message, "x11::0 is not a microphone source")
        let camera = CameraCheck().run(PrecheckContext(camera: .file(path: "/nonexistent/cam.mkv"), microphone: .none, screen: .none))
        XCTAssertEqual(camera.status, .fail)
        XCTAssertEqual(camera.message, "camera file /nonexistent/cam.mkv was not found or is not readable")
    }
}
