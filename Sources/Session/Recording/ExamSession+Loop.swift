import Detect
import Encode
import Foundation
import Delivery
import ProctorModel

extension ExamSession {
    /// Polls four times a second: stop requests, deadlines, failures and disk space; shows
    /// the status once a second and republishes the session state for `submit`/`--resume`.
    func recordUntilEnd(_ active: ActiveRecording, state: inout SessionState, deadline: Double, durationEnd: Double?,
                        roomScanEnd: Double = 0, checkpoints: CheckpointSender? = nil) async -> EndReason {
        let recorder = active.recorder, sealed = active.sealed, clock = active.clock
        let disk = DiskSpace(environment: request.environment)
        var warnedDisk = false
        var lastStatus = -1.0
        while true {
            let now = clock.now()
            if let stop = stops.take() {
                switch stop {
                case .submit: return .submitted
                case .terminate: return .interrupted
                case .interrupt:
                    let question = SessionQuestion(kind: .endEarly, prompt: "End the exam now and seal the recording? [y/N]")
                    guard let answer = observer.answer(question) else { return .interrupted }
                    if answer.lowercased().hasPrefix("y") { return .interrupted }
                }
            }
            if now >= deadline { return .timeLimit }
            if let durationEnd, now >= durationEnd { return .duration }
            if let failure = recorder?.failed {
                observer.session(.warning("recording failed: \(failure.message)"))
                return .failed
            }
            if let failure = sealed.failed {
                observer.session(.warning("sealing failed: \(failure.message)"))
                return .failed
            }
            // `begin --resume` continues from the media time recorded here: keep it within one
            // loop tick (250 ms) of what is sealed, not a status interval behind, so a kill
            // costs the resumed timeline no more than the media it actually lost.
            if sealed.mediaEnd > state.mediaTime {
                state.mediaTime = sealed.mediaEnd
                try? state.save()
            }
            if now - lastStatus >= 1 {
                lastStatus = now
                let free = DiskSpace.free(at: request.directory.url)
                if let free, free < disk.stopBytes {
                    observer.session(.warning("the disk is nearly full (\(HumanUnits.bytes(free)) free): ending the exam now so the recording stays valid"))
                    return .diskFull
                }
                if let free, free < disk.warnBytes, !warnedDisk {
                    warnedDisk = true
                    observer.session(.warning("warning: only \(HumanUnits.bytes(free)) of disk space left; free some space or the exam will end early"))
                    sealed.record(SessionEvents.info("disk.low", at: now, measured: ["freeBytes": Double(free)],
                                                     "Only \(HumanUnits.bytes(free)) of disk space was left."))
                    if let shown = warnings.warning("disk.low", at: now, measured: ["freeBytes": Double(free)],
                                                    "Only \(HumanUnits.bytes(free)) of disk space is left: free some space or the exam will end early.") {
                        sealed.record(shown)
                    }
                }
                if let waiting = checkpoints?.waitingOffline,
                   let shown = warnings.warning("network.down", at: now, measured: ["checkpointsWaiting": Double(waiting)],
                                                "The exam server cannot be reached: the recording goes on, and its checkpoints wait on this computer until the network returns.") {
                    sealed.record(shown)
                    observer.session(.warning(shown.message))
                }
                if roomScanEnd > 0, now <= roomScanEnd + 1 {
                    observer.live(.roomScan(done: min(now, roomScanEnd), total: roomScanEnd))
                    if now >= roomScanEnd { observer.live(.step(.recording)) }
                }
                let status = recorder?.status
                observer.session(.progress(RecordingProgress(
                    elapsed: now, remaining: max(0, min(deadline, durationEnd ?? .infinity) - now), recording: status?.recording.map(\.rawValue) ?? [],
                    sealedBytes: sealed.bytesSealed, freeBytes: free, droppedFrames: status?.droppedFrames ?? 0,
                    practice: request.practice)))
            }
            try? await Task.sleep(nanoseconds: 250_000_000)
        }
    }

    /// Seals the end (`ActiveRecording.finish`), marks the session finished and says so.
    func end(_ active: ActiveRecording, reason: EndReason, state: inout SessionState, part: UInt32) throws -> SessionOutcome {
        let ending = try active.finish(at: .now) { recordingError in Self.endMessage(reason, recordingError: recordingError) }
        state.mediaTime = ending.time
        state.phase = .finished
        try state.save()
        let outcome = SessionOutcome(bundle: active.sealed.url, reason: reason, mediaEnd: ending.time, part: part)
        observer.session(.sealed(outcome, summary: "\(Self.endMessage(reason, recordingError: ending.recordingError)) "
                                 + "Sealed \(HumanUnits.clock(ending.time)) of recording in \(active.sealed.url.path)"))
        if let recordingError = ending.recordingError { throw recordingError }
        if reason == .diskFull {
            throw ProctorError(.io, "the disk is nearly full: the exam was ended early; the sealed recording is \(active.sealed.url.path)")
        }
        return outcome
    }

    private static func endMessage(_ reason: EndReason, recordingError: Error?) -> String {
        switch reason {
        case .timeLimit: "The time limit was reached."
        case .duration: "The requested duration was reached."
        case .interrupted: "The student ended the exam."
        case .submitted: "The exam was submitted."
        case .diskFull: "The disk was nearly full; the exam was ended early to keep the recording valid."
        case .failed: "The recording failed: \(recordingError.map { "\($0)" } ?? "see the log")."
        }
    }
}
