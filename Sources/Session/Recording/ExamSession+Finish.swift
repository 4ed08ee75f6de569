import Foundation
import Delivery
import ProctorModel
import Seal

extension ExamSession {
    /// For `proctor submit`: ends the session recording into `target` (a bundle, or a session
    /// folder holding exactly one unfinished session) and returns the finished bundle.
    ///
    /// A live recorder is asked to finish (SIGUSR1) and waited for, up to `timeout` seconds. A
    /// recorder that crashed or was killed left a bundle without a final record: that bundle
    /// is reopened (the torn tail cut off), given a closing part, and signed, so it verifies.
    /// A bundle that is already finished is returned as it is.
    public static func finishRunning(_ target: URL, timeout: Double = 60) async throws(ProctorError) -> URL {
        let state = try SessionState.find(target)
        switch state.phase {
        case .finished:
            return state.bundleURL
        case .recording where state.processIsRunning:
            guard kill(state.pid, SIGUSR1) == 0 else {
                throw ProctorError(.permission, "cannot signal the recording process \(state.pid)", detail: String(cString: strerror(errno)))
            }
            let until = Date().addingTimeInterval(timeout)
            while Date() < until {
                try? await Task.sleep(nanoseconds: 100_000_000)
                let now = try SessionState.load(from: SessionState.url(forBundle: state.bundleURL))
                if now.phase == .finished { return state.bundleURL }
                if !now.processIsRunning { return try finalizeCrashed(now) }
            }
            throw ProctorError(.unavailable, "the recording process \(state.pid) did not finish within \(Int(timeout)) s; try again")
        case .recording:
            return try finalizeCrashed(state)
        }
    }

    /// Seals the end of a session whose recorder died: a new part with one timeline event
    /// saying so, part-end and the final record.
    static func finalizeCrashed(_ state: SessionState) throws(ProctorError) -> URL {
        let writer = try BundleWriter.resume(at: state.bundleURL)
        let event = SessionEvents.info("session.finalized", at: state.mediaTime,
                                       "The recorder stopped unexpectedly; the recording was sealed afterwards by `proctor submit`.")
        try writer.append(.timeline, RecordingRecords.timeline(event))
        try writer.finish(mediaDuration: state.mediaTime)
        var finished = state
        finished.phase = .finished
        try finished.save()
        return state.bundleURL
    }
}

extension SessionState {
    /// The state of `target`: a bundle, its state file, or a folder with one unfinished session.
    static func find(_ target: URL) throws(ProctorError) -> SessionState {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: target.path, isDirectory: &isDirectory) else {
            throw ProctorError(.missingInput, "\(target.path) does not exist")
        }
        if !isDirectory.boolValue {
            let stateURL = target.pathExtension == "state" ? target : SessionState.url(forBundle: target)
            guard FileManager.default.fileExists(atPath: stateURL.path) else {
                throw ProctorError(.missingInput, "\(target.path) was not recorded on this computer (no \(stateURL.lastPathComponent) next to it)")
            }
            return try load(from: stateURL)
        }
        let unfinished = SessionDirectory(url: target).sessions().filter { $0.phase == .recording }
        switch unfinished.count {
        case 0: throw ProctorError(.missingInput, "no running or unfinished session in \(target.path)")
        case 1: return unfinished[0]
        default:
            throw ProctorError(.usage, "\(unfinished.count) unfinished sessions in \(target.path); name one: "
                               + unfinished.map(\.bundleURL.lastPathComponent).joined(separator: ", "))
        }
    }
}
