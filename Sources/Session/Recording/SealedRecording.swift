import Encode
import Foundation
import ProctorModel
import Seal

/// The bundle a session records into, shared by the pipeline thread (media), the detector
/// thread (timeline) and the session (photos, metadata). `BundleWriter` wants one caller at a
/// time; this serialises them. Media chunks are gathered for up to `mediaInterval` seconds so
/// a record carries many packets, not one.
final class SealedRecording: MediaSink, @unchecked Sendable {
    private let writer: BundleWriter
    private let lock = NSLock()
    private var pending: [UInt8] = []
    private var pendingTime = 0.0
    private var pendingSince: Double?
    private let mediaInterval: Double
    private let maxPending = 512 * 1024
    private(set) var mediaEnd = 0.0
    private(set) var bytesSealed: Int64 = 0
    private var failure: ProctorError?

    init(writer: BundleWriter, mediaInterval: Double = 0.25) {
        self.writer = writer
        self.mediaInterval = mediaInterval
    }

    var url: URL { writer.url }

    // MediaSink: called on the pipeline thread.
    func write(_ bytes: UnsafeRawBufferPointer, mediaTime: Double) throws {
        try locked { () throws(ProctorError) in
            pending.append(contentsOf: bytes)
            pendingTime = mediaTime
            let since = pendingSince ?? mediaTime
            pendingSince = since
            if mediaTime - since >= mediaInterval || pending.count >= maxPending { try sealMedia() }
        }
    }

    /// Seals whatever media is gathered (at the end, or before a timeline record so that the
    /// record order follows the media).
    func flushMedia() throws(ProctorError) {
        try locked { () throws(ProctorError) in try sealMedia() }
    }

    func append(_ event: TimelineEvent) throws(ProctorError) {
        try locked { () throws(ProctorError) in try writer.append(.timeline, RecordingRecords.timeline(event)) }
    }

    func append(_ metadata: SessionMetadata) throws(ProctorError) {
        try locked { () throws(ProctorError) in try writer.append(.metadata, RecordingRecords.metadata(metadata)) }
    }

    func appendPhoto(kind: String, time: Double, jpeg: [UInt8]) throws(ProctorError) {
        try locked { () throws(ProctorError) in try writer.append(.photo, RecordingRecords.photo(kind: kind, time: time, jpeg: jpeg)) }
    }

    /// Part-end and the signed final record.
    func finish(mediaDuration: Double) throws(ProctorError) {
        try locked { () throws(ProctorError) in
            try sealMedia()
            _ = try writer.finish(mediaDuration: mediaDuration)
        }
    }

    /// The first error sealing hit (a full disk); later writes fail with it too.
    var failed: ProctorError? { lock.lock(); defer { lock.unlock() }; return failure }

    private func sealMedia() throws(ProctorError) {
        guard !pending.isEmpty else { return }
        let payload = pending.withUnsafeBytes { RecordingRecords.media($0, mediaEnd: pendingTime) }
        try writer.append(.media, payload)
        mediaEnd = pendingTime
        bytesSealed += Int64(payload.count)
        pending.removeAll(keepingCapacity: true)
        pendingSince = nil
    }

    private func locked(_ body: () throws(ProctorError) -> Void) throws(ProctorError) {
        lock.lock()
        defer { lock.unlock() }
        if let failure { throw failure }
        do {
            try body()
        } catch {
            failure = error
            throw error
        }
    }
}
