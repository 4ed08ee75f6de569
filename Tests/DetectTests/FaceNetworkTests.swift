@testable import Detect
import Encode
import XCTest

/// libfacedetection as installed by `make setup`, on the committed public-domain portraits.
final class FaceNetworkTests: XCTestCase {
    func testFindsTheFixtureFacesAndNoneInAFaceFreePicture() throws {
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
}
