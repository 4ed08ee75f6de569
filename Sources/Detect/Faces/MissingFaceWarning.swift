import ProctorModel

/// Tells the student, while it can still be fixed, that the camera does not see their face and
/// why: after `warningSeconds` without a face, at most once per `warningInterval`. The event is
/// `warning.shown` (info): the session prints it on the status line, and the reviewer sees that
/// the student was told.
struct MissingFaceWarning {
    private var missingSince: Double?
    private var lastShown: Double?

    mutating func update(at time: Double, visible: Bool, seen: FaceDetector.Observation) -> TimelineEvent? {
        guard !visible else {
            missingSince = nil
            return nil
        }
        let since = missingSince ?? time
        missingSince = since
        guard time - since >= FaceDetector.Defaults.warningSeconds - 0.01,
              lastShown.map({ time - $0 >= FaceDetector.Defaults.warningInterval }) ?? true else { return nil }
        lastShown = time
        let cause = Cause(seen)
        return TimelineEvent(kind: "warning.shown", detector: FaceDetector.id, severity: .info, start: time,
                             measured: ["meanLuma": seen.quality.meanLuma, "regionLuma": seen.regionQuality.meanLuma,
                                        "contrast": seen.regionQuality.contrast, "missingSeconds": time - since],
                             message: "Your face is not visible — \(cause.advice)", subject: cause.rawValue)
    }

    /// The most likely reason, from the light where the face was last seen and overall.
    enum Cause: String {
        case blackPicture, backlight, dark, washedOut, absent

        init(_ seen: FaceDetector.Observation) {
            self.init(quality: seen.quality, region: seen.regionQuality, reliable: seen.reliable)
        }

        /// From the light overall and where the face was last seen (the same picture before any face).
        init(quality: PictureQuality, region: PictureQuality, reliable: Bool) {
            let minimum = FaceDetector.Defaults.minimumLuma
            if quality.blackShare >= FaceDetector.Defaults.blackShare {
                self = .blackPicture
            } else if region.meanLuma < 1.5 * minimum, quality.meanLuma >= 2 * minimum {
                self = .backlight
            } else if quality.meanLuma < minimum || region.meanLuma < minimum {
                self = .dark
            } else if !reliable {
                self = .washedOut
            } else {
                self = .absent
            }
        }

        var advice: String {
            switch self {
            case .blackPicture: "the camera shows a black picture: uncover it or check that it is on."
            case .backlight: "too much light behind you: turn on a light in front of you or close the blind behind you."
            case .dark: "too dark: turn on a light in front of you."
            case .washedOut: "the picture is washed out: move out of direct light or wipe the lens."
            case .absent: "sit in front of the camera, facing it."
            }
        }
    }
}
