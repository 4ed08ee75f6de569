@testable import Detect
import XCTest
@testable import ProctorModel

/// The face and camera detectors over a clip built from the real portraits, with known
/// intervals of one face, no face, two faces, a turned head, dim light and a black picture.
final class FaceTimelineTests: XCTestCase {
    func testClipEventsMatchGroundTruthWithinOneSecond() throws {
        let model = try FaceModel(landmarkModel: FaceModel.defaultLandmarkModel)
        var noise = SeededNoise(state: 11)
        var clip = Clip()
        clip.add("one", seconds: 8, try Scenes.oneFace())
        clip.add("none", seconds: 10, try Scenes.noFace())
        clip.add("other", seconds: 6, try Scenes.otherFace())
        clip.add("two", seconds: 8, try Scenes.twoFaces())
        clip.add("turned", seconds: 9, try Scenes.turnedAwayAlone())
        clip.add("back", seconds: 6, try Scenes.oneFace())
        clip.add("dim", seconds: 10, Scenes.dim(try Scenes.oneFace(), &noise))
        clip.add("frontal", seconds: 6, try Scenes.frontalFace())
        clip.add("black", seconds: 6, Scenes.black())
        clip.add("end", seconds: 6, try Scenes.otherFace())

        let settings = DetectionSettings()
        var faces = try XCTUnwrap(try FaceDetector(settings: settings, model: model))
        var camera = try XCTUnwrap(CameraDetector(settings: settings))
        var events: [TimelineEvent] = []
        // Each detector sees the frames at its own rate, as DetectorRunner feeds it.
        var faceSchedule = SampleSchedule(rate: FaceDetector.Defaults.samplesPerSecond)
        for frame in clip.frames() {
            if faceSchedule.due(frame.time) { events += try faces.inspect(frame) }
            events += try camera.inspect(frame)
        }
        events += faces.finish(at: clip.duration) + camera.finish(at: clip.duration)
        events = events.closingEvents  // the closing events; each condition's open event (sealed as it starts) is checked in OpenEventTests
        for event in events {
            print("EVENT \(event.kind) \(event.start)...\(event.end.map { String($0) } ?? "-") conf \(String(format: "%.2f", event.confidence)) \(event.message)")
        }

        func only(_ kind: String) -> [TimelineEvent] { events.filter { $0.kind == kind } }
        func assertInterval(_ kind: String, _ segment: String, file: StaticString = #filePath, line: UInt = #line) {
            let truth = clip.segment(segment)
            let found = only(kind)
            XCTAssertEqual(found.count, 1, "\(kind): \(found.map { ($0.start, $0.end) })", file: file, line: line)
            guard let event = found.first else { return }
            XCTAssertEqual(event.start, truth.start, accuracy: 1, "\(kind) start", file: file, line: line)
            XCTAssertEqual(event.end ?? -1, truth.end, accuracy: 1, "\(kind) end", file: file, line: line)
        }
        assertInterval("face.missing", "none")
        assertInterval("face.multiple", "two")
        assertInterval("gaze.away", "turned")
        assertInterval("camera.blocked", "black")
        XCTAssertTrue(only("camera.frozen").isEmpty, "a noisy real camera is never frozen")

        // Fairness: the dim interval is "could not see", never "no face".
        let dim = clip.segment("dim")
        let light = only("light.insufficient")
        let dimLight = light.filter { $0.start < dim.end && ($0.end ?? 0) > dim.start }
        XCTAssertEqual(dimLight.count, 1)
        XCTAssertEqual(dimLight.first?.start ?? -1, dim.start, accuracy: 1)
        XCTAssertEqual(dimLight.first?.end ?? -1, dim.end, accuracy: 1)
        XCTAssertEqual(dimLight.first?.severity, .coverage)
        XCTAssertFalse(only("face.missing").contains { $0.start < dim.end && ($0.end ?? 0) > dim.start })
        // The black picture is not a missing face either: the camera explains it.
        let black = clip.segment("black")
        XCTAssertFalse(only("face.missing").contains { $0.start < black.end && ($0.end ?? 0) > black.start })

        // The measured values explain each flag.
        let turned = try XCTUnwrap(only("gaze.away").first)
        XCTAssertGreaterThan(abs(turned.measured["yaw"] ?? 0), FaceDetector.Defaults.yawLimit)
        XCTAssertEqual(only("face.multiple").first?.measured["faces"] ?? 0, 2, accuracy: 0.2)

        // Every scene change is at a real cut.
        let cuts = clip.segments.dropFirst().map(\.start)
        let changes = only("scene.change")
        XCTAssertGreaterThanOrEqual(changes.count, cuts.count / 2)
        for change in changes {
            XCTAssertTrue(cuts.contains { abs($0 - change.start) <= 1 }, "scene.change at \(change.start) is not at a cut")
        }
        // Coverage leaves out the dim and black minutes (16 of 75 s) for faces, the black for the camera.
        XCTAssertEqual(faces.evaluatedSeconds, clip.duration - 16, accuracy: 1.5)
        XCTAssertEqual(camera.evaluatedSeconds, clip.duration - 6, accuracy: 1.5)
    }
}
