@testable import Detect
import Foundation
import XCTest

final class HeadPoseTests: XCTestCase {
    /// Projects the six model points of a head rotated by known angles (scaled orthographic,
    /// image y down) and checks that POS recovers the angles.
    func landmarks(yaw: Double, pitch: Double, scale: Double = 0.4) -> [(x: Double, y: Double)] {
        let model: [Int: (Double, Double, Double)] = [
            30: (0, 0, 0), 8: (0, -330, -65), 36: (-225, 170, -135), 45: (225, 170, -135), 48: (-150, -150, -125), 54: (150, -150, -125),
        ]
        let a = yaw * .pi / 180, b = pitch * .pi / 180
        var points = [(x: Double, y: Double)](repeating: (0, 0), count: 68)
        for (index, p) in model {
            // Pitch about x (positive: head tilts up), then yaw about y (positive: towards image right).
            let y1 = p.1 * cos(b) + p.2 * sin(b), z1 = -p.1 * sin(b) + p.2 * cos(b)
            let x2 = p.0 * cos(a) + z1 * sin(a)
            points[index] = (160 + scale * x2, 120 - scale * y1)
        }
        return points
    }

    func testRecoversKnownAngles() throws {
        for (yaw, pitch) in [(0.0, 0.0), (30, 0), (-45, 0), (0, 20), (0, -30), (25, -15)] {
            let pose = try XCTUnwrap(HeadPose(landmarks: landmarks(yaw: yaw, pitch: pitch)))
            XCTAssertEqual(pose.yaw, yaw, accuracy: 1, "yaw for (\(yaw), \(pitch))")
            XCTAssertEqual(pose.pitch, pitch, accuracy: 1, "pitch for (\(yaw), \(pitch))")
        }
    }

    func testDegeneratePointsGiveNoPose() {
        XCTAssertNil(HeadPose(landmarks: [(x: Double, y: Double)](repeating: (10, 10), count: 68)))
        XCTAssertNil(HeadPose(landmarks: []))
    }
}
