import Foundation

/// Head rotation estimated from six of dlib's 68 landmarks by POS (pose from orthography and
/// scaling): fit the scaled-orthographic projection of a generic 3-D face to the points and
/// read yaw and pitch off the rotation. Weak perspective is accurate enough for a face that
/// fills a webcam frame, needs no camera calibration, and is a few hundred flops.
public struct HeadPose: Sendable, Equatable {
    /// Degrees; positive when the head turns towards the picture's right.
    public var yaw: Double
    /// Degrees; positive when the head tilts up.
    public var pitch: Double

    /// Generic face (millimetre-ish, nose tip at the origin, y up, z towards the camera), the
    /// widely used six-point model: nose tip, chin, outer eye corners, mouth corners.
    private static let model: [(Double, Double, Double)] = [
        (0, 0, 0), (0, -330, -65), (-225, 170, -135), (225, 170, -135), (-150, -150, -125), (150, -150, -125),
    ]
    /// The matching landmark indices: 30 nose tip, 8 chin, 36/45 outer eye corners, 48/54 mouth.
    private static let landmarkIndices = [30, 8, 36, 45, 48, 54]

    public init(yaw: Double, pitch: Double) {
        self.yaw = yaw
        self.pitch = pitch
    }

    /// nil when the points are degenerate (all on a line).
    public init?(landmarks: [(x: Double, y: Double)]) {
        guard landmarks.count == 68 else { return nil }
        let image = Self.landmarkIndices.map { landmarks[$0] }
        let n = Double(image.count)
        let mean3 = Self.model.reduce((0.0, 0.0, 0.0)) { ($0.0 + $1.0 / n, $0.1 + $1.1 / n, $0.2 + $1.2 / n) }
        let meanX = image.reduce(0) { $0 + $1.x } / n, meanY = image.reduce(0) { $0 + $1.y } / n
        let a = Self.model.map { [$0.0 - mean3.0, $0.1 - mean3.1, $0.2 - mean3.2] }
        // Image y grows downwards, the model's upwards.
        let u = image.map { $0.x - meanX }, v = image.map { meanY - $0.y }

        // Least squares A r = u and A s = v through the 3x3 normal equations.
        var ata = [[Double]](repeating: [0, 0, 0], count: 3)
        var atu = [0.0, 0, 0], atv = [0.0, 0, 0]
        for k in 0..<a.count {
            for i in 0..<3 {
                for j in 0..<3 { ata[i][j] += a[k][i] * a[k][j] }
                atu[i] += a[k][i] * u[k]
                atv[i] += a[k][i] * v[k]
            }
        }
        guard let inverse = Self.invert(ata) else { return nil }
        let r = Self.multiply(inverse, atu), s = Self.multiply(inverse, atv)
        let rNorm = Self.length(r), sNorm = Self.length(s)
        guard rNorm > 0, sNorm > 0 else { return nil }
        let i = r.map { $0 / rNorm }, j = s.map { $0 / sNorm }
        // The viewing direction in model coordinates: (0, 0, 1) for a face looking at the lens.
        let k = [i[1] * j[2] - i[2] * j[1], i[2] * j[0] - i[0] * j[2], i[0] * j[1] - i[1] * j[0]]
        yaw = atan2(-k[0], k[2]) * 180 / .pi
        pitch = atan2(-k[1], k[2]) * 180 / .pi
    }

    private static func length(_ v: [Double]) -> Double { (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).squareRoot() }

    private static func multiply(_ m: [[Double]], _ v: [Double]) -> [Double] {
        (0..<3).map { m[$0][0] * v[0] + m[$0][1] * v[1] + m[$0][2] * v[2] }
    }

    private static func invert(_ m: [[Double]]) -> [[Double]]? {
        let c00 = m[1][1] * m[2][2] - m[1][2] * m[2][1]
        let c01 = m[1][2] * m[2][0] - m[1][0] * m[2][2]
        let c02 = m[1][0] * m[2][1] - m[1][1] * m[2][0]
        let det = m[0][0] * c00 + m[0][1] * c01 + m[0][2] * c02
        guard abs(det) > 1e-9 else { return nil }
        return [
            [c00 / det, (m[0][2] * m[2][1] - m[0][1] * m[2][2]) / det, (m[0][1] * m[1][2] - m[0][2] * m[1][1]) / det],
            [c01 / det, (m[0][0] * m[2][2] - m[0][2] * m[2][0]) / det, (m[0][2] * m[1][0] - m[0][0] * m[1][2]) / det],
            [c02 / det, (m[0][1] * m[2][0] - m[0][0] * m[2][1]) / det, (m[0][0] * m[1][1] - m[0][1] * m[1][0]) / det],
        ]
    }
}
