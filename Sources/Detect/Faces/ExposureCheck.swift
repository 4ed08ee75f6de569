import ProctorModel

/// The short line a student reads while the photos and the room scan are taken ("face found ·
/// picture OK", "no face found · too dark"), from the face detector's own light rules, so what
/// the terminal and the page say is what the detectors will later judge.
public struct ExposureCheck: Sendable {
    public struct Reading: Sendable, Equatable {
        /// Faces seen; nil when faces were not looked for (the room scan: only the light).
        public var faces: Int?
        /// "picture OK" or the likely cause ("too dark", "too much light behind you", ...).
        public var picture: String
        public var pictureOK: Bool

        public var line: String {
            let face = faces.map { $0 == 0 ? "no face found" : $0 == 1 ? "face found" : "\($0) faces found" }
            return [face, picture].compactMap { $0 }.joined(separator: " · ")
        }
    }

    public init() {}

    /// A face detector for the photo steps: faces and light only (no landmarks to load, no gaze).
    public static func photoFaces() throws(ProctorError) -> FaceDetector? {
        try FaceDetector(settings: DetectionSettings(behaviours: ["gaze.away": DetectorConfig(enabled: false)]),
                         model: FaceModel(landmarkModel: nil))
    }

    /// The light only: cheap enough for every analysis frame of the room scan.
    public func light(_ image: AnalysisImage) -> Reading {
        let gray = FaceDetector.canvas(image)
        let quality = PictureQuality(gray)
        let cause = MissingFaceWarning.Cause(quality: quality, region: quality, reliable: true)
        return Reading(faces: nil, picture: cause.shortText, pictureOK: cause == .absent)
    }

    /// Faces and light: `detector` runs once on the picture (about 20-60 ms at the analysis size).
    public func faces(_ image: AnalysisImage, detector: FaceDetector) throws(ProctorError) -> Reading {
        let seen = try detector.observe(image)
        let cause = MissingFaceWarning.Cause(seen)
        let lightOK = seen.count > 0 || cause == .absent
        return Reading(faces: seen.count, picture: lightOK ? "picture OK" : cause.shortText, pictureOK: lightOK)
    }
}

extension MissingFaceWarning.Cause {
    /// A few words for the exposure line.
    var shortText: String {
        switch self {
        case .blackPicture: "black picture (camera covered?)"
        case .backlight: "backlit"
        case .dark: "too dark"
        case .washedOut: "washed out"
        case .absent: "picture OK"
        }
    }
}
