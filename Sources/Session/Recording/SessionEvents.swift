import Encode
import ProctorModel

/// Timeline entries the session itself writes (detector "session"), and the translation of
/// the recorder's notices into them.
enum SessionEvents {
    static func info(_ kind: String, at time: Double, end: Double? = nil, measured: [String: Double] = [:], _ message: String) -> TimelineEvent {
        TimelineEvent(kind: kind, detector: EventKind.Writer.session, severity: .info, start: time, end: end, measured: measured, message: message)
    }

    /// A lost camera is a flag when the exam asks for `camera.lost`, otherwise coverage (the
    /// detectors could not look); every other notice is a session fact.
    static func event(from notice: RecordingNotice, detection: DetectionSettings) -> TimelineEvent {
        var severity = TimelineEvent.Severity.info
        if notice.kind.hasSuffix(".lost") {
            severity = notice.kind == "camera.lost" && detection.config(for: "camera.lost") != nil ? .flag : .coverage
        }
        return TimelineEvent(kind: notice.kind, detector: EventKind.Writer.recording, severity: severity, start: notice.time, end: notice.end,
                             evidenceTime: notice.kind == "camera.lost" ? notice.time : nil, measured: notice.measured,
                             message: notice.message)
    }
}
