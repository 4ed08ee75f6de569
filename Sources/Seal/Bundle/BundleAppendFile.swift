import Foundation
import ProctorModel
import Synchronization

/// The bundle's file descriptor: unbuffered appends (a record is in the page cache, safe from a
/// killed process, as soon as `append` returns) and an fsync at least every `syncInterval`
/// from a timer, so a power loss costs at most about that long. The descriptor is also read
/// back (`hash`): the bundle's SHA-256 is taken from what reached the file, not from what the
/// writer meant to write.
///
/// Threads: appends come from the bundle's write thread, the timer fsyncs from a dispatch
/// queue, the writer hashes, syncs and closes from its own.
final class BundleAppendFile: Sendable {
    private struct State {
        /// nil once closed. A timer fsync in flight holds its own reference, so closing never
        /// pulls the descriptor away under it (the number cannot be reused mid-call).
        var descriptor: FileDescriptor?
        var dirty = false
        /// Bytes in the file: everything appended after the last truncate.
        var byteCount = 0
        var syncFailure: ProctorError?
        /// Whether the periodic fsync goes on (cleared by `close`).
        var syncing = false
        /// fsyncs done by the timer (tests check the durability window with it).
        var syncsByTimer = 0
    }

    let path: String
    private let state: Mutex<State>
    var timedSyncs: Int { state.withLock { $0.syncsByTimer } }
    var length: Int { state.withLock { $0.byteCount } }

    private init(_ descriptor: FileDescriptor) {
        path = descriptor.path
        state = Mutex(State(descriptor: descriptor))
    }

    /// A new file; never replaces an existing one, which may hold a recording.
    static func create(path: String) throws(ProctorError) -> BundleAppendFile {
        let descriptor = try FileDescriptor(opening: path, O_RDWR | O_CREAT | O_EXCL, mode: 0o600, "could not create the bundle \(path)")
        // The new name must survive a power loss as well as the bytes.
        FileDescriptor.syncFolder(containing: path)
        return BundleAppendFile(descriptor)
    }

    static func openForAppend(path: String) throws(ProctorError) -> BundleAppendFile {
        BundleAppendFile(try FileDescriptor(opening: path, O_RDWR, "could not open the bundle \(path) to resume it"))
    }

    func startSyncing(every interval: Duration) {
        let nanoseconds = max(1_000_000, Int(interval.components.seconds) * 1_000_000_000 + Int(interval.components.attoseconds / 1_000_000_000))
        let wasSyncing = state.withLock { state in
            defer { state.syncing = true }
            return state.syncing
        }
        if !wasSyncing { scheduleSync(after: nanoseconds) }
    }

    /// One timed fsync `nanoseconds` from now, then the next; a weak reference, so a dropped
    /// file is not kept open by its timer.
    private func scheduleSync(after nanoseconds: Int) {
        DispatchQueue.global(qos: .utility).asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { [weak self] in
            guard let self, state.withLock({ $0.syncing }) else { return }
            syncIfDirty()
            scheduleSync(after: nanoseconds)
        }
    }

    func truncate(to length: Int) throws(ProctorError) {
        let descriptor = try open()
        try descriptor.truncate(to: Int64(length), "could not cut the torn last record off \(path)")
        try descriptor.seek(to: Int64(length), "could not cut the torn last record off \(path)")
        state.withLock { $0.byteCount = length }
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws(ProctorError) {
        let descriptor = try state.withLock { (state) throws(ProctorError) -> FileDescriptor in
            if let failure = state.syncFailure { throw failure }
            guard let descriptor = state.descriptor else { throw Self.closed(path) }
            return descriptor
        }
        try descriptor.write(bytes, "could not write to the bundle \(path)")
        state.withLock { state in
            state.dirty = true
            state.byteCount += bytes.count
        }
    }

    /// Feeds bytes [offset, end) of the file, as read back from it, to `hasher`, in pieces of
    /// `chunk` bytes (constant memory, whatever the bundle's size). Call after `sync()`, with no
    /// append in flight.
    func hash(into hasher: inout SHA256.Incremental, from offset: Int, to end: Int, chunk: Int = 1 << 20) throws(ProctorError) {
        guard end > offset else { return }
        let reached = try hasher.update(reading: try open(), from: Int64(offset), to: Int64(end), chunk: chunk,
                                        "could not read back the bundle \(path) to hash it")
        guard reached == Int64(end) else {
            throw ProctorError(.io, "the bundle \(path) is shorter than what was written to it (\(reached) of \(end) bytes); another program truncated it")
        }
    }

    func sync() throws(ProctorError) {
        let descriptor = try state.withLock { (state) throws(ProctorError) -> FileDescriptor in
            state.dirty = false
            guard let descriptor = state.descriptor else { throw Self.closed(path) }
            return descriptor
        }
        try descriptor.sync("could not flush the bundle \(path) to disk")
    }

    /// Stops the timer, flushes and closes. Safe to call twice.
    func close() throws(ProctorError) {
        let descriptor = state.withLock { state in
            defer {
                state.descriptor = nil
                state.syncing = false
            }
            return state.descriptor
        }
        // Closed when this last reference goes, after the fsync (or after a timer's fsync in flight).
        try descriptor?.sync("could not flush the bundle \(path) to disk")
    }

    private func open() throws(ProctorError) -> FileDescriptor {
        guard let descriptor = state.withLock({ $0.descriptor }) else { throw Self.closed(path) }
        return descriptor
    }

    private static func closed(_ path: String) -> ProctorError {
        ProctorError(.internalFailure, "the bundle \(path) was used after it was closed")
    }

    /// Runs on a dispatch queue, without holding the lock through the fsync, so appends never
    /// wait for the disk.
    private func syncIfDirty() {
        let descriptor: FileDescriptor? = state.withLock { state in
            guard state.dirty else { return nil }
            state.dirty = false
            return state.descriptor
        }
        guard let descriptor else { return }
        do {
            try descriptor.sync("could not flush the bundle \(path) to disk")
            state.withLock { $0.syncsByTimer += 1 }
        } catch {
            state.withLock { $0.syncFailure = error }
        }
    }

    deinit {
        try? close()
    }
}
