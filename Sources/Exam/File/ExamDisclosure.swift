/// The plain-language statement a student reads before an exam (`proctor exam show`, and
/// again at `proctor begin`): exactly what is recorded, what may be flagged, for how long,
/// how long it is kept and who can open it. Generated only from the signed settings, so it
/// cannot drift from what the recorder actually does.
public enum ExamDisclosure {
    public static func text(for settings: ExamSettings, student: String?) -> String {
        var out: [String] = []
        out.append("Exam: \(settings.title) (\(settings.id))")
        let limit = settings.timeLimit(for: student)
        var timeLine = "Time limit: \(duration(limit))"
        if let student, let factor = settings.accommodations[student]?.extraTimeFactor, factor != 1 {
            timeLine += " (includes your accommodation: \(TableReader.format(factor))x the standard \(duration(settings.timeLimitSeconds)))"
        }
        out.append(timeLine)
        out.append("")

        if settings.isFullyExempt(student) {
            out.append("You are exempt from proctoring for this exam: nothing is recorded and nothing is flagged.")
            out.append("Only the start and end of your session are noted.")
            return out.joined(separator: "\n") + "\n"
        }

        out.append("What is recorded while the exam runs:")
        let recording = settings.recording
        var recorded: [String] = []
        if recording.camera.enabled {
            recorded.append("  - Camera video, \(recording.camera.width)x\(recording.camera.height) at \(recording.camera.fps) frames per second")
        }
        if recording.microphone.enabled { recorded.append("  - Microphone audio") }
        if recording.screen.enabled {
            recorded.append("  - Your screen, \(recording.screen.width)x\(recording.screen.height) at \(recording.screen.fps) frame\(recording.screen.fps == 1 ? "" : "s") per second")
        }
        out.append(contentsOf: recorded.isEmpty ? ["  - No camera, microphone or screen"] : recorded)
        out.append("  - Session facts: start and end times, connected displays, running program names (checked, not recorded), and events listed below")

        let verification = settings.verification
        var before: [String] = []
        if let agreement = verification.agreementText { before.append("  - You read and accept this agreement:\n" + indent(agreement, by: "      ")) }
        if verification.idPhoto { before.append("  - A photo of your photo ID, held up to the camera") }
        if verification.facePhoto { before.append("  - A photo of your face") }
        if verification.roomScanSeconds > 0 { before.append("  - A room scan: \(duration(verification.roomScanSeconds)) of camera video while you turn it around the room") }
        if !before.isEmpty {
            out.append("")
            out.append("Before the exam starts:")
            out.append(contentsOf: before)
        }

        out.append("")
        let detection = settings.detectionSettings(for: student)
        let flagged = Behaviour.catalog.filter { behaviour in
            guard detection.config(for: behaviour.kind) != nil else { return false }
            switch behaviour.source {
            case .camera?: return recording.camera.enabled
            case .microphone?: return recording.microphone.enabled
            case .screen?: return recording.screen.enabled
            case nil: return true
            }
        }
        if flagged.isEmpty {
            out.append("Nothing is flagged for review.")
        } else {
            out.append("What may be flagged for a person to review (proctor never decides that anyone cheated):")
            for behaviour in flagged {
                var line = "  - \(capitalised(behaviour.disclosure))"
                if let seconds = settings.behaviours[behaviour.kind]?.minimumSeconds { line += ", for at least \(duration(seconds))" }
                if behaviour.kind == "display.extra" { line += " (allowed: \(settings.allowedDisplays))" }
                if behaviour.kind == "program.forbidden", !settings.forbiddenPrograms.isEmpty {
                    line += ": \(settings.forbiddenPrograms.joined(separator: ", "))"
                }
                out.append(line)
            }
        }
        if let student, let exempt = settings.accommodations[student]?.exemptKinds, !exempt.isEmpty {
            let names = Behaviour.catalog.filter { exempt.contains($0.kind) }.map(\.disclosure)
            out.append("  Your accommodation exempts you from: \(names.joined(separator: "; ")).")
        }

        out.append("")
        out.append("The recording is encrypted on this computer as it is written. Only these people can open it:")
        for recipient in settings.recipients {
            out.append("  - \(recipient.name) (key \(recipient.fingerprint))")
        }
        out.append("It is kept for \(settings.retentionDays) day\(settings.retentionDays == 1 ? "" : "s") after the exam, then deleted.")
        if let submission = settings.submission { out.append("It is delivered to: \(Self.withoutCredentials(submission))") }
        return out.joined(separator: "\n") + "\n"
    }

    /// An address with any `user:password@` removed: exam files made before `exam create`
    /// refused credentials in the submission URL may still carry them.
    public static func withoutCredentials(_ address: String) -> String {
        guard let scheme = address.range(of: "://") else { return address }
        let authorityEnd = address[scheme.upperBound...].firstIndex { "/?#".contains($0) } ?? address.endIndex
        guard let at = address[scheme.upperBound..<authorityEnd].lastIndex(of: "@") else { return address }
        return String(address[..<scheme.upperBound]) + address[address.index(after: at)...]
    }

    /// "1 h 30 min", "45 s": how people read durations.
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (hours, minutes, secs) = (total / 3600, total % 3600 / 60, total % 60)
        var parts: [String] = []
        if hours > 0 { parts.append("\(hours) h") }
        if minutes > 0 { parts.append("\(minutes) min") }
        if secs > 0 || parts.isEmpty { parts.append("\(secs) s") }
        return parts.joined(separator: " ")
    }

    private static func capitalised(_ text: String) -> String { text.prefix(1).uppercased() + text.dropFirst() }

    private static func indent(_ text: String, by prefix: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { prefix + $0 }.joined(separator: "\n")
    }
}
