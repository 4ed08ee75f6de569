import Encode
import Foundation
import ProctorModel
import Seal
import Synchronization

/// The bundle a session records into, shared by the pipeline thread (media), the detector
/// thread (timeline) and the session (photos, metadata). `BundleWriter` wants one caller at a
/// time: all of its state lives inside one `Mutex`. Media chunks are gathered for up to
/// `mediaInterval` seconds so a record carries many packets, not one.
final class SealedRecording: MediaSink, Sendable {
    private struct State: ~Copyable {
        let writer: BundleWriter
        var pending: [UInt8] = []
        var pendingTime = 0.0
        var pendingSince: Double?
        var mediaEnd = 0.0
        var bytesSealed: Int64 = 0
        /// The first error sealing hit (a full disk); later writes fail with it too.
        var failure: ProctorError?
    }

    private let state: Mutex<State>
    private let mediaInterval: Double
    private let maxPending = 512 * 1024
    let url: URL

    init(writer: sending BundleWriter, mediaInterval: Double = 0.25) {
        url = writer.url
        self.mediaInterval = mediaInterval
        state = Mutex(State(writer: writer))
    }

    /// Media time sealed so far (the end of the last media record).
    var mediaEnd: Double { state.withLock { $0.mediaEnd } }
    var bytesSealed: Int64 { state.withLock { $0.bytesSealed } }
    /// The first error sealing hit (a full disk); later writes fail with it too.
    var failed: ProctorError? { state.withLock { $0.failure } }

    // MediaSink: called on the pipeline thread.
    func write(_ bytes: UnsafeRawBufferPointer, mediaTime: Double) throws {
        let interval = mediaInterval, limit = maxPending
        try locked { (state: inout State) throws(ProctorError) in
            state.pending.append(contentsOf: bytes)
            state.pendingTime = mediaTime
            let since = state.pendingSince ?? mediaTime
            state.pendingSince = since
            if mediaTime - since >= interval || state.pending.count >= limit { try Self.sealMedia(&state) }
        }
    }

    /// Seals the media gathered so far, then the event: a timeline record always follows the
    /// media it is about, whichever thread decided it (detectors, recorder notices). A failure
    /// is kept and reported by `failed`, where the session loop looks every tick; the thread
    /// that decided the event has nobody to tell.
    func record(_ event: TimelineEvent) {
        try? locked { (state: inout State) throws(ProctorError) in
            try Self.sealMedia(&state)
            try state.writer.append(.timeline, RecordingRecords.timeline(event))
        }
    }

    func append(_ event: TimelineEvent) throws(ProctorError) {
        try locked { (state: inout State) throws(ProctorError) in try state.writer.append(.timeline, RecordingRecords.timeline(event)) }
    }

    func append(_ metadata: SessionMetadata) throws(ProctorError) {
        try locked { (state: inout State) throws(ProctorError) in try state.writer.append(.metadata, RecordingRecords.metadata(metadata)) }
    }

    func appendPhoto(kind: String, time: Double, jpeg: [UInt8]) throws(ProctorError) {
        try locked { (state: inout State) throws(ProctorError) in
            try state.writer.append(.photo, RecordingRecords.photo(kind: kind, time: time, jpeg: jpeg))
        }
    }

    /// A checkpoint signature with the current part's key (`CheckpointSender`); nil once the
    /// bundle is finished and the key wiped. Takes the lock only for the signature (~50 µs).
    func signWithPartKey(_ message: [UInt8]) -> [UInt8]? {
        state.withLock { try? $0.writer.signWithPartKey(message) }
    }

    /// The remaining media, part-end and the signed final record.
    func finish(mediaDuration: Double) throws(ProctorError) {
        try locked { (state: inout State) throws(ProctorError) in
            try Self.sealMedia(&state)
            _ = try state.writer.finish(mediaDuration: mediaDuration)
        }
    }

    private static func sealMedia(_ state: inout State) throws(ProctorError) {
        guard !state.pending.isEmpty else { return }
        let time = state.pendingTime
        let payload = state.pending.withUnsafeBytes { RecordingRecords.media($0, mediaEnd: time) }
        try state.writer.append(.media, payload)
        state.mediaEnd = time
        state.bytesSealed += Int64(payload.count)
        state.pending.removeAll(keepingCapacity: true)
        state.pendingSince = nil
    }

    private func locked(_ body: (inout State) throws(ProctorError) -> Void) throws(ProctorError) {
        try state.withLock { (state: inout State) throws(ProctorError) in
            if let failure = state.failure { throw failure }
            do throws(ProctorError) {
                try body(&state)
            } catch {
                state.failure = error
                throw error
            }
        }
    }
}
