import Foundation

/// What a live view of the session (the student page, the terminal's exposure line) shows
/// beside `SessionEvent`s: which step the student is at, how the picture looks while photos
/// and the room scan are taken, and the room scan's progress.
public enum LiveUpdate: Sendable, Equatable {
    public enum Step: String, Sendable, Equatable, Codable {
        case agreement, idPhoto = "id-photo", facePhoto = "face-photo", roomScan = "room-scan", recording, ended
    }

    case step(Step)
    /// "face found · picture OK" / "no face found · too dark": `ok` says whether to worry.
    case exposure(String, ok: Bool)
    /// Seconds of the room scan done of `total`.
    case roomScan(done: Double, total: Double)
}

/// Where an answer was given: the agreement records it, so the reviewer knows.
public enum AnswerOrigin: String, Sendable, Equatable, Codable {
    case terminal, page, flag = "--accept"
}

public struct SessionAnswer: Sendable, Equatable {
    public var text: String
    public var origin: AnswerOrigin

    public init(_ text: String, from origin: AnswerOrigin) {
        self.text = text
        self.origin = origin
    }
}

extension SessionObserver {
    /// Observers without a live view ignore these.
    public func live(_ update: LiveUpdate) {}

    /// The terminal is the only place an observer that does not say otherwise can answer.
    public func answerWithOrigin(_ question: SessionQuestion) -> SessionAnswer? {
        answer(question).map { SessionAnswer($0, from: .terminal) }
    }
}
