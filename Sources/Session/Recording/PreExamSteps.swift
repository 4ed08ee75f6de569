import Encode
import Foundation
import Exam
import ProctorModel

/// The steps before recording: the disclosure, the agreement, the ID and face photos.
enum PreExamSteps {
    /// Shows what will be recorded and flagged; without `--accept`, the student must type "yes".
    static func disclose(_ settings: ExamSettings, student: String, accept: Bool, observer: any SessionObserver) throws(ProctorError) {
        observer.session(.disclosure(ExamDisclosure.text(for: settings, student: student)))
        guard !accept else {
            observer.session(.notice("disclosure and agreement accepted with --accept"))
            return
        }
        guard let answer = observer.answer(SessionQuestion(kind: .agreement, prompt: "Type 'yes' to agree and start the exam:")) else {
            throw ProctorError(.usage, "the disclosure must be accepted: run on a terminal and type 'yes', or pass --accept in scripts")
        }
        guard answer.trimmingCharacters(in: .whitespaces).lowercased() == "yes" else {
            throw ProctorError(.usage, "you did not agree, so nothing was recorded")
        }
    }

    /// Takes the photos the exam asks for as JPEG photo records.
    static func photos(_ verification: ExamSettings.Verification, recorder: Recorder, sealed: SealedRecording,
                       time: Double, observer: any SessionObserver) throws {
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
            if observer.answer(SessionQuestion(kind: .photo(kind: kind), prompt: "\(instruction), then press Enter.")) == nil {
                observer.session(.notice("\(instruction.lowercased()): taking the \(kind) photo now"))
            }
            let still = try recorder.still()
            let jpeg = try StillImage.encodeJPEG(still)
            try sealed.appendPhoto(kind: kind, time: time, jpeg: jpeg)
            observer.session(.notice("\(kind) photo taken (\(still.width)x\(still.height), \(jpeg.count / 1024) kB)"))
        }
    }
}
