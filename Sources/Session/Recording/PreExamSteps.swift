import Encode
import Foundation
import Exam
import ProctorModel

/// The steps before recording: the disclosure, the agreement, the ID and face photos.
enum PreExamSteps {
    /// Shows what will be recorded and flagged; without `--accept`, the student must type "yes".
    static func disclose(_ settings: ExamSettings, student: String, accept: Bool, console: Console) throws(ProctorError) {
        console.say(ExamDisclosure.text(for: settings, student: student))
        guard !accept else {
            console.log("disclosure and agreement accepted with --accept")
            return
        }
        guard let answer = console.ask("Type 'yes' to agree and start the exam:") else {
            throw ProctorError(.usage, "the disclosure must be accepted: run on a terminal and type 'yes', or pass --accept in scripts")
        }
        guard answer.trimmingCharacters(in: .whitespaces).lowercased() == "yes" else {
            throw ProctorError(.usage, "you did not agree, so nothing was recorded")
        }
    }

    /// Takes the photos the exam asks for as JPEG photo records.
    static func photos(_ verification: ExamSettings.Verification, recorder: Recorder, sealed: SealedRecording,
                       time: Double, console: Console) throws {
        let wanted = [(verification.idPhoto, "id", "Hold your photo ID up to the camera"),
                      (verification.facePhoto, "face", "Look into the camera for your face photo")]
        guard recorder.hasCamera else {
            if verification.idPhoto || verification.facePhoto {
                console.log("no camera is recorded, so no ID or face photo was taken")
                try sealed.append(SessionEvents.info("photo.skipped", at: time, "No camera was recorded, so the ID and face photos were not taken."))
            }
            return
        }
        for (enabled, kind, instruction) in wanted where enabled {
            if console.ask("\(instruction), then press Enter.") == nil { console.log("\(instruction.lowercased()): taking the \(kind) photo now") }
            let still = try recorder.still()
            let jpeg = try StillImage.encodeJPEG(still)
            try sealed.appendPhoto(kind: kind, time: time, jpeg: jpeg)
            console.log("\(kind) photo taken (\(still.width)x\(still.height), \(jpeg.count / 1024) kB)")
        }
    }
}
