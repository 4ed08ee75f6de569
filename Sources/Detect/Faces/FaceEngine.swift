import ProctorModel
/// Which face detector looks first on this machine, and why: reported by precheck and in the
/// timeline's `detector.engine` event, so a reviewer knows what judged the session.
public enum FaceEngine: Sendable, Equatable, CustomStringConvertible {
    /// libfacedetection's CNN, with dlib's HOG as the second opinion.
    case network(path: String)
    /// dlib's HOG alone (with its tracked lower threshold); `reason` says why not the CNN.
    case hog(reason: String)

    public var description: String {
        switch self {
        case .network(let path): "libfacedetection CNN (\(path)), dlib HOG as second opinion"
        case .hog(let reason): "dlib HOG only: \(reason)"
        }
    }
}

extension FaceBox {
    func scaled(by factor: Double) -> FaceBox {
        FaceBox(left: left * factor, top: top * factor, right: right * factor, bottom: bottom * factor, score: score)
    }

    func offset(x: Double, y: Double) -> FaceBox {
        FaceBox(left: left + x, top: top + y, right: right + x, bottom: bottom + y, score: score)
    }

    /// Whether the two boxes cover the same face: their centres lie within half a face width.
    func overlaps(_ other: FaceBox) -> Bool {
        let dx = (left + right - other.left - other.right) / 2, dy = (top + bottom - other.top - other.bottom) / 2
        let reach = max(width, other.width) / 2
        return dx * dx + dy * dy <= reach * reach
    }
}

extension FaceEngine {
    /// The engine a recording started now would use: loads (and frees) the CNN to find out.
    public static func available() -> FaceEngine {
        do {
            return .network(path: try FaceNetwork().path)
        } catch {
            return .hog(reason: error.message)
        }
    }

    /// The timeline's record of which detector judged the faces.
    var event: TimelineEvent {
        switch self {
        case .network(let path):
            TimelineEvent(kind: "detector.engine", detector: FaceDetector.id, severity: .info, start: 0,
                          message: "Faces were judged by libfacedetection's CNN, with dlib's HOG as second opinion.", subject: path)
        case .hog(let reason):
            TimelineEvent(kind: "detector.engine", detector: FaceDetector.id, severity: .info, start: 0,
                          message: "Faces were judged by dlib's HOG detector alone: \(reason).", subject: "hog")
        }
    }
}
