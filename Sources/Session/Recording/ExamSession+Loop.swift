import Detect
import Encode
import Foundation
import Delivery
import ProctorModel

extension ExamSession {
    /// Polls four times a second: stop requests, deadlines, failures and disk space; shows
    /// the status once a second and republishes the session state for `submit`/`--resume`.
    func recordUntilEnd(recorder: Recorder?, sealed: SealedRecording, clock: MediaClock, state: inout SessionState,
                        deadline: Double, durationEnd: Double?) async -> EndReason {
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
                    guard let answer = console.ask("End the exam now and seal the recording? [y/N]") else { return .interrupted }
                    if answer.lowercased().hasPrefix("y") { return .interrupted }
                }
            }
            if now >= deadline { return .timeLimit }
            if let durationEnd, now >= durationEnd { return .duration }
            if let failure = recorder?.failed {
                console.log("recording failed: \(failure.message)")
                return .failed
            }
            if let failure = sealed.failed {
                console.log("sealing failed: \(failure.message)")
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
                    console.log("the disk is nearly full (\(Console.bytes(free)) free): ending the exam now so the recording stays valid")
                    return .diskFull
                }
                if let free, free < disk.warnBytes, !warnedDisk {
                    warnedDisk = true
                    console.log("warning: only \(Console.bytes(free)) of disk space left; free some space or the exam will end early")
                    try? sealed.append(SessionEvents.info("disk.low", at: now, measured: ["freeBytes": Double(free)],
                                                          "Only \(Console.bytes(free)) of disk space was left."))
                }
                showStatus(recorder?.status, now: now, deadline: min(deadline, durationEnd ?? .infinity), free: free, bytes: sealed.bytesSealed)
            }
            try? await Task.sleep(nanoseconds: 250_000_000)
        }
    }

    private func showStatus(_ status: RecordingStatus?, now: Double, deadline: Double, free: Int64?, bytes: Int64) {
        let what = status?.recording.joined(separator: "+") ?? "nothing (exempt)"
        if console.json {
            var fields: [String: Any] = ["elapsed": now, "remaining": max(0, deadline - now), "recording": status?.recording ?? [],
                                         "sealedBytes": bytes, "freeBytes": free ?? -1, "droppedFrames": status?.droppedFrames ?? 0]
            if request.practice { fields["practice"] = true }
            if let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]) {
                console.status(String(decoding: data, as: UTF8.self))
            }
            return
        }
        var line = (request.practice ? "PRACTICE · " : "") + "REC \(Console.clock(now)) · \(Console.clock(deadline - now)) left · \(what) · \(Console.bytes(bytes)) sealed"
        if let free { line += " · \(Console.bytes(free)) free" }
        if let dropped = status?.droppedFrames, dropped > 0 { line += " · \(dropped) frames late" }
        // Off a terminal, one line every 10 s is plenty for a log.
        if console.isTerminal || Int(now.rounded()) % 10 == 0 { console.status(line) }
    }

    /// Flushes the encoders, writes the trailer, the end event, part-end and final records.
    func end(reason: EndReason, recorder: Recorder?, detectors: DetectorRunner?, sealed: SealedRecording, clock: MediaClock,
             state: inout SessionState, part: UInt32) throws -> SessionOutcome {
        console.endStatusLine()
        var recordingError: Error?
        do {
            try recorder?.finish()
        } catch {
            recordingError = error
        }
        let endTime = max(clock.now(), sealed.mediaEnd)
        // Intervals still open (a face missing at the end) close at the end of the media.
        for event in detectors?.finish(at: endTime) ?? [] { try? sealed.append(event) }
        let messages: [EndReason: String] = [
            .timeLimit: "The time limit was reached.", .duration: "The requested duration was reached.",
            .interrupted: "The student ended the exam.", .submitted: "The exam was submitted.",
            .diskFull: "The disk was nearly full; the exam was ended early to keep the recording valid.",
            .failed: "The recording failed: \(recordingError.map { "\($0)" } ?? "see the log").",
        ]
        try? sealed.append(SessionEvents.info("session.end", at: endTime, measured: ["mediaSeconds": endTime], messages[reason] ?? reason.rawValue))
        try sealed.finish(mediaDuration: endTime)
        state.mediaTime = endTime
        state.phase = .finished
        try state.save()
        console.log("\(messages[reason] ?? "") Sealed \(Console.clock(endTime)) of recording in \(sealed.url.path)")
        if let recordingError { throw recordingError }
        if reason == .diskFull {
            throw ProctorError(.io, "the disk is nearly full: the exam was ended early; the sealed recording is \(sealed.url.path)")
        }
        return SessionOutcome(bundle: sealed.url, reason: reason, mediaEnd: endTime, part: part)
    }
}
