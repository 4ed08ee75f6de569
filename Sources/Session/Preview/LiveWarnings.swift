import ProctorModel
import Synchronization

/// Turns what the detectors decide into the warnings a student sees while they can still fix
/// the cause, each at most once a minute. The face and screen detectors write their own
/// `warning.shown` (with the cause); a second face and a silent microphone become one here when
/// their condition opens (it has held for its minimum), and the session adds low disk. Every
/// warning shown is sealed as `warning.shown` (info, never scored), so the reviewer sees the
/// student was told.
final class LiveWarnings: Sendable {
    static let interval = 60.0

    /// What a condition opening tells the student.
    static let sentences: [String: String] = [
        "face.multiple": "More than one face is visible: only you should be in front of the camera.",
        "mic.silent": "Your microphone records silence: check that it is not muted or unplugged.",
    ]

    private let lastShown = Mutex<[String: Double]>([:])

    /// The events to seal for `event`: itself, then a warning when one is due.
    func process(_ event: TimelineEvent) -> [TimelineEvent] {
        if event.kind == EventKind.warningShown.kind {
            // The detector limits its own warnings; remember it so a session one does not repeat it.
            note(event.subject ?? event.detector, at: event.start)
            return [event]
        }
        // Told the moment the condition opened: its start plus how long it had held by then.
        let told = event.start + (event.measured["secondsSoFar"] ?? 0)
        guard event.isOpen, let sentence = Self.sentences[event.kind], due(event.kind, at: told) else { return [event] }
        return [event, TimelineEvent(kind: EventKind.warningShown.kind, detector: EventKind.Writer.session, severity: .info,
                                     start: told, measured: event.measured, message: sentence, subject: event.kind)]
    }

    /// A warning the session itself decided on (low disk), if one of its `subject` is due.
    func warning(_ subject: String, at time: Double, measured: [String: Double] = [:], _ message: String) -> TimelineEvent? {
        guard due(subject, at: time) else { return nil }
        return TimelineEvent(kind: EventKind.warningShown.kind, detector: EventKind.Writer.session, severity: .info,
                             start: time, measured: measured, message: message, subject: subject)
    }

    private func due(_ subject: String, at time: Double) -> Bool {
        lastShown.withLock { shown in
            if let last = shown[subject], time - last < Self.interval { return false }
            shown[subject] = time
            return true
        }
    }

    private func note(_ subject: String, at time: Double) {
        lastShown.withLock { $0[subject] = time }
    }
}
