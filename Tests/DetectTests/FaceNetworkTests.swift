@testable import Detect
import XCTest
@testable import ProctorModel

/// libfacedetection as installed by `make setup`, on the committed public-domain portraits.
final class FaceNetworkTests: XCTestCase {
    func testFindsTheFixtureFacesAndNoneInAFaceFreePicture() throws {
        try XCTSkipUnless(FaceNetwork.cpuSupported, "this CPU has no AVX2: the CNN cannot run here, HOG runs alone")
        let network = try FaceNetwork()
        for (name, scene) in [("grace_hopper", try Scenes.oneFace()), ("astronaut", try Scenes.otherFace()), ("tom_cruise", try Scenes.frontalFace())] {
            let faces = try network.detect(scene).filter { $0.score >= FaceDetector.Defaults.networkThreshold }
            print("CNN \(name): \(faces.map { String(format: "%.2f @ %.0f,%.0f %.0fx%.0f", $0.score, $0.left, $0.top, $0.width, $0.bottom - $0.top) })")
            XCTAssertEqual(faces.count, 1, name)
            XCTAssertGreaterThan(faces.first?.score ?? 0, 0.8, name)
        }
        let two = try network.detect(try Scenes.twoFaces()).filter { $0.score >= FaceDetector.Defaults.networkThreshold }
        XCTAssertEqual(two.count, 2, "\(two)")
        let dogs = try network.detect(try Scenes.noFace())
        print("CNN dogs: \(dogs.map(\.score))")
        XCTAssertTrue(dogs.allSatisfy { $0.score < FaceDetector.Defaults.networkThreshold }, "\(dogs)")
    }

    /// Without the library (or AVX2) the detector falls back to HOG and says why.
    func testMissingLibraryIsAMissingModelAndHOGRunsAlone() throws {
        XCTAssertThrowsError(try FaceNetwork(path: "/nonexistent/libfacedetection.so")) { error in
            let failure = error as? ProctorError
            XCTAssertEqual(failure?.code, .missingModel)
            XCTAssertTrue(failure?.message.contains(FaceNetwork.cpuSupported ? "not installed" : "AVX2") ?? false, failure?.message ?? "")
        }
        let model = try FaceModel(landmarkModel: nil)
        var hogOnly = try XCTUnwrap(try FaceDetector(settings: DetectionSettings(exemptKinds: ["gaze.away"]), model: model, network: .some(nil)))
        XCTAssertEqual(hogOnly.engine, .hog(reason: "HOG alone was asked for"))
        _ = try hogOnly.inspect(try Scenes.oneFace())
        XCTAssertEqual(hogOnly.lastObservation?.foundBy, "hog")
        var withNetwork = try XCTUnwrap(try FaceDetector(settings: DetectionSettings(exemptKinds: ["gaze.away"]), model: model))
        _ = try withNetwork.inspect(try Scenes.oneFace())
        XCTAssertEqual(withNetwork.lastObservation?.foundBy, FaceNetwork.cpuSupported ? "cnn" : "hog", "make setup installs the library")
    }
}
