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
    /// true: the condition had started (held for its minimum) but had not ended when this was
    /// sealed. A closing event of the same kind, detector, start and subject follows and
    /// supersedes it; when none does (the bundle was cut, the process killed), a reader shows
    /// the condition running to the end of its part (`TimelineEvent.resolvingOpen`). Absent
    /// (nil) in every event that is not open, so older bundles decode unchanged.
    public var open: Bool?

    public init(kind: String, detector: String, severity: Severity, start: Double, end: Double? = nil,
                confidence: Double = 1, evidenceTime: Double? = nil, measured: [String: Double] = [:],
                thresholds: [String: Double] = [:], message: String, subject: String? = nil, open: Bool? = nil) {
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
        self.open = open
    }

    public var duration: Double { (end ?? start) - start }

    /// Sealed while its condition was still going on (see `open`).
    public var isOpen: Bool { open == true }

    /// What a closing event and the open one it supersedes have in common.
    struct Identity: Hashable {
        let kind: String, detector: String, start: Double, subject: String?
    }

    var identity: Identity { Identity(kind: kind, detector: detector, start: start, subject: subject) }

    /// The timeline a reader shows: an open event whose closing event is also present is dropped
    /// (the closing one says everything it said, and more); one left without its end, because
    /// the recording stopped first, runs to `partEnd(event)` (the last media time of the part it
    /// was sealed in) and stays marked `open`, so a report can say its end was never sealed.
    /// Order is kept.
    public static func resolvingOpen(_ events: [TimelineEvent], partEnd: (_ index: Int, _ event: TimelineEvent) -> Double?) -> [TimelineEvent] {
        let closed = Set(events.filter { !$0.isOpen }.map(\.identity))
        // Several open events of one condition (sealed again as it went on) keep the latest.
        var lastOpen: [Identity: Int] = [:]
        for (index, event) in events.enumerated() where event.isOpen { lastOpen[event.identity] = index }
        return events.enumerated().compactMap { index, event in
            guard event.isOpen else { return event }
            guard !closed.contains(event.identity), lastOpen[event.identity] == index else { return nil }
            var running = event
            let end = max(event.start, partEnd(index, event) ?? event.end ?? event.start)
            running.end = end
            running.message = event.message + String(format: " Still going on when the recording of this part ends (its end was never sealed); counted to %.1f s.", end)
            return running
        }
    }
}
