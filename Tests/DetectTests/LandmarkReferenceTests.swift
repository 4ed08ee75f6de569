@testable import Detect
import Foundation
import XCTest

/// The shim evaluates the landmark cascade itself (`landmark_cascade` in
/// Sources/CDetectShim/landmark_model.h) so it can load the kept levels from the model cache as
/// raw floats. It must place every landmark exactly where dlib's own `shape_predictor` does. Tests/Fixtures/landmarks/dlib-19.24.json holds
/// what dlib 19.24's `shape_predictor` returned on the fixture scenes, pruned to the default
/// levels and whole (see the README there); this test compares to the last pixel.
///
/// `PROCTOR_WRITE_LANDMARK_REFERENCE=1` rewrites the file from the code under test instead.
final class LandmarkReferenceTests: XCTestCase {
    private struct Reference: Codable, Equatable {
        var scene: String
        var levels: Int
        var face: [Double]
        var landmarks: [Double]
    }

    private static let file = Fixtures.root.appendingPathComponent("landmarks/dlib-19.24.json")

    private func measured() throws -> [Reference] {
        let scenes = [("oneFace", try Scenes.oneFace()), ("otherFace", try Scenes.otherFace()),
                      ("frontalFace", try Scenes.frontalFace()), ("twoFaces", try Scenes.twoFaces()),
                      ("turnedAway", try Scenes.turnedAway()), ("turnedAwayToo", try Scenes.turnedAwayToo())]
        var found: [Reference] = []
        for levels in [FaceModel.defaultLandmarkLevels, 0] {
            let model = try FaceModel(landmarkModel: FaceModel.defaultLandmarkModel, landmarkLevels: levels, cacheFolder: nil)
            for (name, scene) in scenes {
                let canvas = try scene.asFedToFaces()
                for face in try model.detect(canvas) {
                    let points = try model.landmarks(canvas, face: face)
                    found.append(Reference(scene: name, levels: levels, face: [face.left, face.top, face.right, face.bottom],
                                           landmarks: points.flatMap { [$0.x, $0.y] }))
                }
            }
        }
        return found
    }

    func testLandmarksMatchDlibsShapePredictorExactly() throws {
        let found = try measured()
        if ProcessInfo.processInfo.environment["PROCTOR_WRITE_LANDMARK_REFERENCE"] != nil {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try FileManager.default.createDirectory(at: Self.file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try encoder.encode(found).write(to: Self.file)
            return
        }
        let expected = try JSONDecoder().decode([Reference].self, from: Data(contentsOf: Self.file))
        XCTAssertEqual(expected.count, 14, "7 faces on 6 scenes, at two level counts")
        XCTAssertEqual(found.count, expected.count)
        for (got, want) in zip(found, expected) {
            XCTAssertEqual(got, want, "\(want.scene), \(want.levels == 0 ? "all" : String(want.levels)) levels")
        }
    }
}
