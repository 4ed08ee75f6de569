/// One entry of the session timeline, sealed into the bundle as it happens and read back by
/// `proctor export`. Times are media seconds since the session clock started, the same clock
/// the recorded streams use, so an event can be found in the video by its time.
public struct TimelineEvent: Codable, Sendable, Equatable {
    /// How an event counts for the reviewer.
    public enum Severity: String, Codable, Sendable {
        /// A behaviour the exam asked to flag; counts toward the suspicion score.
        case flag
        /// A detector could not evaluate (too dark, no camera): never counts against the student.
        case coverage
        /// Session facts: started, room scan, part resumed, frames dropped, submitted.
        case info
    }

    /// Stable dotted name, e.g. "face.missing", "light.insufficient", "session.start".
    public var kind: String
    /// The detector that wrote it (e.g. "faces"), or "session" for session facts.
    public var detector: String
    public var severity: Severity
    public var start: Double
    /// nil for an instant; otherwise the time the condition ended.
    public var end: Double?
    /// 0...1: how sure the detector is that the condition held.
    public var confidence: Double
    /// Media time of a representative frame to show as evidence.
    public var evidenceTime: Double?
    /// What was measured (e.g. ["faces": 0, "meanLuma": 91.2]).
    public var measured: [String: Double]
    /// The thresholds it was judged against (e.g. ["minimumSeconds": 5]).
    public var thresholds: [String: Double]
    /// One sentence for the reviewer: what was seen and why it is listed.
    public var message: String
    /// What the event is about when that is a name rather than a number: the forbidden
    /// program's name, the network interface that changed, the DMI string that betrayed a VM.
    public var subject: String?

    public init(kind: String, detector: String, severity: Severity, start: Double, end: Double? = nil,
                confidence: Double = 1, evidenceTime: Double? = nil, measured: [String: Double] = [:],
                thresholds: [String: Double] = [:], message: String, subject: String? = nil) {
        self.kind = kind
        self.detector = detector
        self.severity = severity
        self.start = start
        self.end = end
        self.confidence = confidence
        self.evidenceTime = evidenceTime
        self.measured = measured
        self.thresholds = thresholds
        self.message = message
        self.subject = subject
    }

    public var duration: Double { (end ?? start) - start }
}
