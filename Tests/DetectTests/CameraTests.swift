@testable import Detect
import XCTest
@testable import ProctorModel

final class CameraTests: XCTestCase {
    /// A virtual camera repeating one picture is frozen; the same scene with sensor noise is not.
    func testIdenticalFramesAreFrozenNoisyOnesAreNot() throws {
        var camera = try XCTUnwrap(CameraDetector(settings: DetectionSettings()))
        let still = try Scenes.oneFace()
        var noise = SeededNoise(state: 2)
        var events: [TimelineEvent] = []
        for index in 0..<60 {
            let time = Double(index) / 2
            // 0-15 s identical frames, 15-30 s live (noisy) frames of the same scene.
            let frame = time < 15 ? still.at(time) : still.noisy(2, &noise).at(time)
            events += try camera.inspect(frame)
        }
        events += camera.finish(at: 30)
        events = events.closingEvents  // the closing events; each condition's open event (sealed as it starts) is checked in OpenEventTests
        let frozen = events.filter { $0.kind == "camera.frozen" }
        XCTAssertEqual(frozen.count, 1)
        // The first frame has nothing to compare with: frozen from the second sample on.
        XCTAssertEqual(frozen.first?.start, 0.5)
        XCTAssertEqual(frozen.first?.end, 15)
        XCTAssertEqual(frozen.first?.measured["difference"], 0)
        XCTAssertTrue(events.filter { $0.kind != "camera.frozen" }.isEmpty, "\(events.map(\.kind))")
    }

    /// RGB frames go through the same measures (luma computed from RGB).
    func testRGBFramesBlackDetection() throws {
        var camera = try XCTUnwrap(CameraDetector(settings: DetectionSettings()))
        let width = 160, height = 120
        var noise = SeededNoise(state: 4)
        var events: [TimelineEvent] = []
        for index in 0..<20 {
            let time = Double(index) / 2
            let level = time >= 3 && time < 7 ? 2 : 120
            let pixels = (0..<(width * height * 3)).map { _ in UInt8(clamping: level + Int.random(in: -2...2, using: &noise)) }
            // A gradient keeps the lit frames from being flat.
            let lit = level == 2 ? pixels : pixels.enumerated().map { UInt8(clamping: Int($1) + ($0 / 3 % width) / 2) }
            events += try camera.inspect(AnalysisImage(width: width, height: height, format: .rgb24, pixels: lit, time: time))
        }
        events += camera.finish(at: 10)
        events = events.closingEvents  // the closing events; each condition's open event (sealed as it starts) is checked in OpenEventTests
        let blocked = events.filter { $0.kind == "camera.blocked" }
        XCTAssertEqual(blocked.count, 1)
        XCTAssertEqual(blocked.first?.start, 3)
        XCTAssertEqual(blocked.first?.end, 7)
    }

    func testSwitchedOffKindsDoNotRun() {
        let off = DetectorConfig(enabled: false)
        let settings = DetectionSettings(behaviours: ["camera.frozen": off, "scene.change": off], exemptKinds: ["camera.blocked"])
        XCTAssertNil(CameraDetector(settings: settings))
    }
}
