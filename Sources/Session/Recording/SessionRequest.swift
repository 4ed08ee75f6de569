import Encode
import Foundation
import Delivery

/// Everything `proctor begin` was asked to do, already parsed.
public struct SessionRequest: Sendable {
    /// Exam id or path of a signed exam file.
    public var exam: String
    public var student: String
    public var sources: RecordingSources
    /// End after this many seconds of recording (scripted runs), before the time limit.
    public var duration: Double?
    /// Accept the disclosure and agreement without asking (scripted runs).
    public var accept: Bool
    /// Continue the interrupted session of this exam and student in a new part.
    public var resume: Bool
    /// Status as JSON lines on stdout instead of a status line.
    public var json: Bool
    public var verbose: Bool
    /// `--practice`: a try-out, not an exam attempt. Test and file sources are accepted (and
    /// flagged); the session metadata, every status line and every report say "practice".
    public var practice: Bool
    public var directory: SessionDirectory
    public var environment: [String: String]
    /// The student page's camera preview (docs/user-guide.md); nil: no page, terminal only.
    public var preview: PreviewFeed?
    /// A live view's requests to the running session (the page's "Finish and submit").
    public var control: SessionControl?

    public init(exam: String, student: String, sources: RecordingSources, duration: Double? = nil, accept: Bool = false,
                resume: Bool = false, json: Bool = false, verbose: Bool = false, practice: Bool = false,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.exam = exam
        self.student = student
        self.sources = sources
        self.duration = duration
        self.accept = accept
        self.resume = resume
        self.json = json
        self.verbose = verbose
        self.practice = practice
        self.environment = environment
        directory = SessionDirectory(environment: environment)
    }
}

/// What a finished `begin` reports.
public struct SessionOutcome: Sendable {
    public let bundle: URL
    public let reason: EndReason
    /// Session-clock seconds of media sealed (all parts).
    public let mediaEnd: Double
    public let part: UInt32
}
