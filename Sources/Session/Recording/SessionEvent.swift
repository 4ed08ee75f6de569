import Foundation

/// What a recording session tells the student, as it happens. The session decides; whoever
/// shows it (the terminal today, the browser preview and the collection server's live
/// checkpoints later) renders the same stream, so no use-case code writes to a terminal.
public enum SessionEvent: Sendable {
    /// Text the student must read before anything is recorded: the disclosure.
    case disclosure(String)
    /// A step done or begun ("recording into …", "id photo taken", "room scan: …").
    case notice(String)
    /// Something the student should act on (little disk left, the recording failed).
    case warning(String)
    /// The live status, about once a second while recording.
    case progress(RecordingProgress)
    /// The recording is sealed; `summary` is the sentence to show.
    case sealed(SessionOutcome, summary: String)
}

/// One status sample of a running recording.
public struct RecordingProgress: Sendable, Equatable {
    /// Session-clock seconds since the start of the session (all parts).
    public var elapsed: Double
    /// Seconds until the time limit or `--duration`, whichever is first.
    public var remaining: Double
    /// What is being recorded ("camera", "mic", "screen"); empty when the student is exempt.
    public var recording: [String]
    public var sealedBytes: Int64
    /// Free space where the bundle is written; nil when it cannot be read.
    public var freeBytes: Int64?
    public var droppedFrames: Int
    /// A practice run (`begin --practice`): every screen says so.
    public var practice: Bool
}

/// A question only the student can answer. The session waits for the answer; nil means there
/// is no one to ask (a script, no terminal), and each question says what happens then.
public struct SessionQuestion: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Agree to the disclosure: the answer must be "yes". Without an answer nothing is recorded.
        case agreement
        /// Ready for the ID or face photo (any answer); without one the photo is taken at once.
        case photo(kind: String)
        /// End the exam early after Ctrl-C ("y" ends it); without an answer it ends.
        case endEarly
    }

    public let kind: Kind
    /// The sentence to show.
    public let prompt: String
}

/// Whoever shows a session to the student. Called from the session's task, one call at a
/// time; `answer` may block until the student answers.
public protocol SessionObserver: Sendable {
    func session(_ event: SessionEvent)
    func answer(_ question: SessionQuestion) -> String?
    /// The step, the exposure line and the room scan's progress (default: ignored).
    func live(_ update: LiveUpdate)
    /// `answer` with where it was given (default: the terminal); the student page overrides it.
    func answerWithOrigin(_ question: SessionQuestion) -> SessionAnswer?
}

/// Times and sizes the way the session's sentences write them.
package enum HumanUnits {
    /// HH:MM:SS, rounded down.
    package static func clock(_ seconds: Double) -> String {
        let total = max(0, Int(seconds.rounded(.down)))
        return String(format: "%02d:%02d:%02d", total / 3600, total % 3600 / 60, total % 60)
    }

    package static func bytes(_ count: Int64) -> String {
        let value = Double(count)
        if value >= 1e9 { return String(format: "%.1f GB", value / 1e9) }
        if value >= 1e6 { return String(format: "%.1f MB", value / 1e6) }
        return String(format: "%.0f kB", value / 1e3)
    }
}
