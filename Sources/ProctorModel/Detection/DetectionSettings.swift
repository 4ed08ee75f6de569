/// How one flagged behaviour is judged, as the exam settings ask. Keyed by event kind
/// ("face.missing", "audio.speech", ...) in `DetectionSettings.behaviours`.
public struct DetectorConfig: Codable, Sendable, Equatable {
    /// Off means the detector neither runs for this kind nor writes events.
    public var enabled: Bool
    /// 0 (least sensitive) ... 1 (most sensitive); 0.5 is the documented default for each kind.
    public var sensitivity: Double
    /// A condition shorter than this is not flagged; nil means the detector's own default.
    public var minimumSeconds: Double?
    /// Relative weight in the suspicion score; 0 shows the events but scores nothing.
    public var weight: Double

    public init(enabled: Bool = true, sensitivity: Double = 0.5, minimumSeconds: Double? = nil, weight: Double = 1) {
        self.enabled = enabled
        self.sensitivity = sensitivity
        self.minimumSeconds = minimumSeconds
        self.weight = weight
    }
}

/// Everything the detectors need from the exam settings and the student's accommodations.
public struct DetectionSettings: Codable, Sendable, Equatable {
    /// Per event kind; a kind that is absent uses the detector's documented defaults.
    public var behaviours: [String: DetectorConfig]
    /// Event kinds this student is exempt from (accommodation): never run, never scored.
    public var exemptKinds: Set<String>
    /// Displays allowed before `display.extra` is flagged.
    public var allowedDisplays: Int
    /// Process names (as in /proc/PID/comm) that `program.forbidden` looks for.
    public var forbiddenPrograms: [String]

    public init(behaviours: [String: DetectorConfig] = [:], exemptKinds: Set<String> = [],
                allowedDisplays: Int = 1, forbiddenPrograms: [String] = []) {
        self.behaviours = behaviours
        self.exemptKinds = exemptKinds
        self.allowedDisplays = allowedDisplays
        self.forbiddenPrograms = forbiddenPrograms
    }

    /// The configuration in force for one kind, or nil when it must not run for this student.
    public func config(for kind: String) -> DetectorConfig? {
        guard !exemptKinds.contains(kind) else { return nil }
        let config = behaviours[kind] ?? DetectorConfig()
        return config.enabled ? config : nil
    }
}
