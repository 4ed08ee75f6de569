import Detect
import Encode
import Foundation
import ProctorModel

/// The parts of a session that are recording: the capture pipeline, the detectors and the
/// sealed bundle, with the one way they end. Every exit path, a normal end or a failure before
/// recording started, calls `finish(at:)`, so the close order is written once:
/// 1. the recorder's encoders are flushed and its trailer sealed (media first);
/// 2. the detectors' queue is drained and their open intervals closed at the end of the media;
/// 3. the `session.end` event, then part-end and the signed final record.
final class ActiveRecording: Sendable {
    let recorder: Recorder?
    let detectors: DetectorRunner?
    let sealed: SealedRecording
    let clock: MediaClock

    init(recorder: Recorder?, detectors: DetectorRunner?, sealed: SealedRecording, clock: MediaClock) {
        self.recorder = recorder
        self.detectors = detectors
        self.sealed = sealed
        self.clock = clock
    }

    struct Ending {
        /// Session-clock seconds of media sealed.
        let time: Double
        /// What stopped the encoders from finishing cleanly, if anything did.
        let recordingError: Error?
    }

    /// Where the session's media time ends.
    enum End {
        /// Now on the session clock (or the last sealed media, if later): the exam ran until now.
        case now
        /// The last sealed media: the session failed before recording really started, so the
        /// time spent opening devices or waiting for the agreement is not media time.
        case sealedMedia
    }

    /// Ends the recording at `end` with `message` as the `session.end` event. Throws only when
    /// the final record cannot be sealed; a recorder that failed to flush is reported in
    /// `Ending`, after everything else has been sealed.
    func finish(at end: End, message: (Error?) -> String) throws(ProctorError) -> Ending {
        var recordingError: Error?
        do {
            try recorder?.finish()
        } catch {
            recordingError = error
        }
        let endTime = end == .now ? max(clock.now(), sealed.mediaEnd) : sealed.mediaEnd
        for event in detectors?.finish(at: endTime) ?? [] { sealed.record(event) }
        sealed.record(SessionEvents.info("session.end", at: endTime, measured: ["mediaSeconds": endTime], message(recordingError)))
        try sealed.finish(mediaDuration: endTime)
        return Ending(time: endTime, recordingError: recordingError)
    }
}
