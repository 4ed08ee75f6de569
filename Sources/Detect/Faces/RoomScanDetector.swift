import ProctorModel

/// Watches the room scan (the first seconds, when the student turns the camera around the
/// room): speech there is `scan.speech` and two or more faces together `scan.faces`, each shown
/// to the reviewer under its own kind. `face.missing`, gaze and scene changes are not judged
/// then, because the camera points away from the student on purpose. It reuses the voice and
/// face-count detectors as they run during the exam, with their kinds renamed.
public struct RoomScanDetector: Detector {
    public static let id = EventKind.Writer.roomScan

    public enum Defaults {
        /// A second person passes through a turning camera's view quickly: one second is enough.
        public static let facesSeconds = 1.0
    }

    public var samplesPerSecond: Double { faces == nil ? 0 : FaceDetector.Defaults.samplesPerSecond }
    public var watchesRoomScan: Bool { true }
    /// The scan is not evaluated time of the exam's own detectors; it reports none itself.
    public var evaluatedSeconds: Double { 0 }

    private let scanEnd: Double
    private var voice: AudioDetector?
    private var faces: FaceDetector?
    private var closed = false

    /// nil when there is no scan or both kinds are off or exempt for this student.
    public init?(settings: DetectionSettings, scanEnd: Double, faceModel: FaceModel? = nil, network: FaceNetwork?? = nil) throws(ProctorError) {
        guard scanEnd > 0 else { return nil }
        self.scanEnd = scanEnd
        let off = DetectorConfig(enabled: false)
        if let speech = settings.config(for: "scan.speech") {
            voice = AudioDetector(settings: DetectionSettings(behaviours: ["audio.speech": speech, "audio.loud": off, "mic.silent": off]))
        }
        if var count = settings.config(for: "scan.faces") {
            count.minimumSeconds = count.minimumSeconds ?? Defaults.facesSeconds
            faces = try FaceDetector(settings: DetectionSettings(behaviours: ["face.multiple": count, "face.missing": off, "gaze.away": off,
                                                                              "light.insufficient": off]),
                                     model: faceModel, network: network)
        }
        guard voice != nil || faces != nil else { return nil }
    }

    public mutating func inspect(_ image: AnalysisImage) throws(ProctorError) -> [TimelineEvent] {
        guard image.time < scanEnd else { return closeScan() }
        return try faces?.inspect(image).compactMap(Self.renamed) ?? []
    }

    public mutating func inspect(_ audio: AudioBlock) throws(ProctorError) -> [TimelineEvent] {
        guard audio.time < scanEnd else { return closeScan() }
        return try voice?.inspect(audio).compactMap(Self.renamed) ?? []
    }

    public mutating func finish(at time: Double) -> [TimelineEvent] {
        closeScan(at: min(time, scanEnd))
    }

    /// Ends open intervals where the scan ended, once.
    private mutating func closeScan(at time: Double? = nil) -> [TimelineEvent] {
        guard !closed else { return [] }
        closed = true
        let end = time ?? scanEnd
        return ((faces?.finish(at: end) ?? []) + (voice?.finish(at: end) ?? [])).compactMap(Self.renamed)
    }

    /// The scan's own kinds; anything else the inner detectors write (none expected) is dropped.
    private static func renamed(_ event: TimelineEvent) -> TimelineEvent? {
        let kinds = ["audio.speech": "scan.speech", "face.multiple": "scan.faces"]
        guard let kind = kinds[event.kind] else { return nil }
        var renamed = event
        renamed.kind = kind
        renamed.detector = id
        renamed.message = "During the room scan: " + event.message
        return renamed
    }
}
