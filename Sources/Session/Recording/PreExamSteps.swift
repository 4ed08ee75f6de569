import Encode
import Foundation
import Exam
import ProctorModel

/// The steps before recording: the disclosure, the agreement, the ID and face photos.
enum PreExamSteps {
    /// Shows what will be recorded and flagged; without `--accept`, the student must type "yes"
    /// (or accept on the student page). Returns where the one acceptance was given.
    static func disclose(_ settings: ExamSettings, student: String, accept: Bool,
                         observer: any SessionObserver) throws(ProctorError) -> AnswerOrigin {
        observer.session(.disclosure(ExamDisclosure.text(for: settings, student: student)))
        observer.live(.step(.agreement))
        guard !accept else {
            observer.session(.notice("disclosure and agreement accepted with --accept"))
            return .flag
        }
        guard let answer = observer.answerWithOrigin(SessionQuestion(kind: .agreement, prompt: "Type 'yes' to agree and start the exam:")) else {
            throw ProctorError(.usage, "the disclosure must be accepted: run on a terminal and type 'yes', or pass --accept in scripts")
        }
        guard answer.text.trimmingCharacters(in: .whitespaces).lowercased() == "yes" else {
            throw ProctorError(.usage, "you did not agree, so nothing was recorded")
        }
        if answer.origin == .page { observer.session(.notice("disclosure and agreement accepted on the student page")) }
        return answer.origin
    }

    /// The one record of the acceptance, with where it was given (terminal, page, --accept).
    static func agreementEvent(_ origin: AnswerOrigin, at time: Double) -> TimelineEvent {
        var event = SessionEvents.info("session.agreed", at: time, "The student accepted the disclosure and agreement (\(origin.sentence)).")
        event.subject = origin.rawValue
        return event
    }

    /// Takes the photos the exam asks for as JPEG photo records.
    static func photos(_ verification: ExamSettings.Verification, recorder: Recorder, sealed: SealedRecording,
                       time: Double, observer: any SessionObserver, preview: PreviewFeed? = nil) throws {
        let wanted = [(verification.idPhoto, "id", "Hold your photo ID up to the camera"),
                      (verification.facePhoto, "face", "Look into the camera for your face photo")]
        guard recorder.hasCamera else {
            if verification.idPhoto || verification.facePhoto {
                observer.session(.notice("no camera is recorded, so no ID or face photo was taken"))
                try sealed.append(SessionEvents.info("photo.skipped", at: time, "No camera was recorded, so the ID and face photos were not taken."))
            }
            return
        }
        for (enabled, kind, instruction) in wanted where enabled {
            observer.live(.step(kind == "id" ? .idPhoto : .facePhoto))
            // The student sees the camera (page) or how it looks (terminal) while getting ready;
            // the photo is the frame they saw, not a new one taken after they answered.
            let feed = preview ?? PreviewFeed()
            let viewfinder = Viewfinder(recorder: recorder, feed: feed) { reading in
                observer.live(.exposure(reading.line, ok: reading.pictureOK))
            }
            let answer = observer.answerWithOrigin(SessionQuestion(kind: .photo(kind: kind), prompt: "\(instruction), then press Enter."))
            let shown = viewfinder.stop()
            feed.clear()
            if answer == nil {
                observer.session(.notice("\(instruction.lowercased()): taking the \(kind) photo now"))
            }
            // Without an answer (a script) the photo is taken as before: after the camera settled.
            let photo = answer == nil ? nil : shown
            let still = try photo?.image ?? recorder.still()
            let jpeg = try photo?.jpeg() ?? StillImage.encodeJPEG(still)
            try sealed.appendPhoto(kind: kind, time: time, jpeg: jpeg)
            observer.session(.notice("\(kind) photo taken (\(still.width)x\(still.height), \(jpeg.count / 1024) kB)"))
        }
    }
}

extension AnswerOrigin {
    var sentence: String {
        switch self {
        case .terminal: "typed on the terminal"
        case .page: "on the student page"
        case .flag: "with --accept, by the script that started the session"
        }
    }
}
