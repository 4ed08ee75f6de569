import ProctorModel


/// What the camera itself shows: `camera.blocked` (black or covered), `camera.frozen`
/// (identical frames: a looped or virtual camera) and `scene.change` (the camera moved or the
/// view changed). `camera.lost` is written by the recording pipeline on device errors.
public struct CameraDetector: Detector {
    public static let id = EventKind.Writer.camera

    public enum Defaults {
        public static let samplesPerSecond = 2.0
        /// blackdetect's picture_black_ratio_th: almost every pixel at or below 0.10 of range.
        public static let blackShare = 0.98
        /// ...and no structure left: a dim room still has edges (contrast well above this), a
        /// covered lens has only sensor noise.
        public static let blockedContrast = 12.0
        public static let blockedSeconds = 2.0
        /// freezedetect's default noise floor, -60 dB: 0.001 of range, 0.255 luma levels of
        /// mean absolute difference. Real sensors never get that close between two frames.
        public static let frozenDifference = 0.255
        public static let frozenSeconds = 10.0
        /// Mean absolute difference of normalised thumbnails (0 same, ~1.1 unrelated pictures).
        public static let sceneScore = 0.6
        /// One camera move is one event, not one per sample while it settles.
        public static let sceneCooldown = 5.0
        public static let gapSeconds = 1.0
    }

    public var samplesPerSecond: Double { Defaults.samplesPerSecond }

    /// Its measures are shares and means, so any size serves; 320x240 is enough to see a
    /// covered lens, a frozen picture or a moved camera.
    public static var analysis: AnalysisRequest {
        AnalysisRequest(width: 320, height: 240, format: .gray8, framesPerSecond: Defaults.samplesPerSecond)
    }
    public var evaluatedSeconds: Double { coverage.seconds }

    private var blocked: ConditionTracker?
    private var frozen: ConditionTracker?
    private let sceneConfig: DetectorConfig?
    private let sceneLimit: Double
    private var previous: GrayFrame?
    private var previousSignature: [Double]?
    private var lastSceneChange = -Double.infinity
    private var coverage = CoverageClock(maximumStep: 2 / Defaults.samplesPerSecond)

    public init?(settings: DetectionSettings) {
        let blockedConfig = settings.config(for: "camera.blocked")
        let frozenConfig = settings.config(for: "camera.frozen")
        sceneConfig = settings.config(for: "scene.change")
        guard blockedConfig != nil || frozenConfig != nil || sceneConfig != nil else { return nil }
        sceneLimit = sceneConfig?.limit(Defaults.sceneScore) ?? Defaults.sceneScore
        if let config = blockedConfig {
            blocked = ConditionTracker(kind: "camera.blocked", detector: Self.id, minimumSeconds: config.minimum(Defaults.blockedSeconds),
                                       gapSeconds: Defaults.gapSeconds,
                                       thresholds: ["blackShare": Defaults.blackShare, "maximumContrast": Defaults.blockedContrast]) { seconds, measured in
                "The camera showed a black picture (\(format((measured["blackShare"] ?? 1) * 100, digits: 0))% black pixels) for \(format(seconds)) s: covered, blocked or switched off."
            }
        }
        if let config = frozenConfig {
            let limit = config.limit(Defaults.frozenDifference)
            frozen = ConditionTracker(kind: "camera.frozen", detector: Self.id, minimumSeconds: config.minimum(Defaults.frozenSeconds),
                                      gapSeconds: Defaults.gapSeconds, thresholds: ["maximumDifference": limit]) { seconds, measured in
                "The camera repeated the same picture (mean difference \(format(measured["difference"] ?? 0, digits: 2)) levels) for \(format(seconds)) s: a frozen, looped or virtual camera."
            }
        }
    }

    private var frozenLimit: Double { frozen?.thresholds["maximumDifference"] ?? Defaults.frozenDifference }

    public mutating func inspect(_ image: AnalysisImage) throws(ProctorError) -> [TimelineEvent] {
        let time = image.time
        let frame = GrayFrame(image)
        let quality = PictureQuality(frame.image)
        let isBlocked = quality.blackShare >= Defaults.blackShare && quality.contrast <= Defaults.blockedContrast
        var events: [TimelineEvent] = []
        if let event = blocked?.update(at: time, holds: isBlocked,
                                       measured: ["blackShare": quality.blackShare, "meanLuma": quality.meanLuma, "contrast": quality.contrast]) {
            events.append(event)
        }
        let difference = previous.flatMap { frame.meanAbsoluteDifference($0) }
        // A black picture repeats itself too; that is reported as blocked, not frozen.
        let isFrozen = !isBlocked && (difference.map { $0 <= frozenLimit } ?? false)
        if let event = frozen?.update(at: time, holds: isFrozen, measured: ["difference": difference ?? 0]) {
            events.append(event)
        }
        let signature = frame.signature()
        if let config = sceneConfig, let signature, let before = previousSignature, signature.count == before.count {
            var score = 0.0
            for i in signature.indices { score += abs(signature[i] - before[i]) }
            score /= Double(signature.count)
            if score >= sceneLimit, time - lastSceneChange >= Defaults.sceneCooldown {
                lastSceneChange = time
                events.append(TimelineEvent(
                    kind: "scene.change", detector: Self.id, severity: .flag, start: time,
                    confidence: min(1, score / (2 * sceneLimit)), evidenceTime: time, measured: ["score": score],
                    thresholds: ["score": sceneLimit, "cooldownSeconds": Defaults.sceneCooldown, "weight": config.weight],
                    message: "The camera's view changed at once (change score \(format(score, digits: 2))): the camera moved or something covered the scene."))
            }
        }
        coverage.sample(at: time, evaluated: !isBlocked)
        previous = frame
        previousSignature = signature
        return events
    }

    public mutating func finish(at time: Double) -> [TimelineEvent] {
        coverage.finish(at: time)
        return [blocked?.finish(at: time), frozen?.finish(at: time)].compactMap { $0 }
    }
}
