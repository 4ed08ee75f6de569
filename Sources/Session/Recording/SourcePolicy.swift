import Encode
import Exam
import ProctorModel

/// What the signed exam says must be recorded, applied to what `begin` was asked to record
/// from, before any device opens. A student who controls the computer chooses the sources, so
/// the exam's settings decide: a source the exam records cannot be switched off (unless the
/// student's accommodation exempts it), and a test picture or a media file stands in for a
/// device only in a practice run or an exam that allows it, and is then flagged for review.
struct SourcePolicy {
    /// Sources recorded from something other than a device, with the spec as given.
    let untrusted: [(role: SourceRole, spec: SourceSpec)]

    /// Throws `.usage` (exit 64) with one line naming the setting when the request breaks the
    /// exam's rules (`.deviceUnavailable`, 69, when a required screen has no display to record);
    /// otherwise returns the sources to flag.
    static func check(_ sources: RecordingSources, settings: ExamSettings, student: String, practice: Bool,
                      environment: [String: String]) throws(ProctorError) -> SourcePolicy {
        guard !settings.isFullyExempt(student) else { return SourcePolicy(untrusted: []) }
        let requested: [(SourceRole, SourceSpec)] = [(.camera, sources.camera), (.microphone, sources.microphone), (.screen, sources.screen)]
        var untrusted: [(role: SourceRole, spec: SourceSpec)] = []
        for (role, spec) in requested where settings.requires(role, for: student) || (spec != .none && isEnabled(role, settings)) {
            switch spec {
            case .none:
                throw ProctorError(.usage, "the exam records the \(role.noun) (\(role.setting)); \(role.option) none is not allowed")
            case .test, .file:
                guard practice || settings.recording.allowTestSources else {
                    throw ProctorError(.usage, "\(role.option) \(spec) records no device, which this exam does not allow "
                                       + "(recording.allow_test_sources); use a real \(role.noun), or `proctor begin --practice` to try things out")
                }
                untrusted.append((role, spec))
            case .auto where role == .screen && settings.requires(.screen, for: student) && (environment["DISPLAY"] ?? "").isEmpty
                && !SourceResolver(environment: environment).isWaylandSession:
                // `auto` records no screen without a display: that would be `--screen none` by another name.
                throw ProctorError(.deviceUnavailable, "the exam records the screen (recording.screen.enabled), but there is no display "
                                   + "($DISPLAY is not set); start the exam from your desktop session or pass --screen x11:DISPLAY")
            case .auto, .v4l2, .alsa, .x11, .portal:
                break
            }
        }
        return SourcePolicy(untrusted: untrusted)
    }

    private static func isEnabled(_ role: SourceRole, _ settings: ExamSettings) -> Bool {
        switch role {
        case .camera: settings.recording.camera.enabled
        case .microphone: settings.recording.microphone.enabled
        case .screen: settings.recording.screen.enabled
        }
    }

    /// One `source.untrusted` flag per non-device source, sealed at the start of each part so
    /// the reviewer sees it even in a bundle cut short.
    func events(at time: Double) -> [TimelineEvent] {
        untrusted.map { role, spec in
            TimelineEvent(kind: "source.untrusted", detector: EventKind.Writer.session, severity: .flag, start: time,
                          evidenceTime: time, message: "The \(role.noun) was recorded from \(spec), not from a device: "
                          + "what it shows is not evidence of the student's room.", subject: "\(role.rawValue)=\(spec)")
        }
    }
}
