import Foundation
import ProctorModel

/// The bundle's file descriptor: unbuffered appends (a record is in the page cache, safe from a
/// killed process, as soon as `append` returns) and an fsync at least every `syncInterval`
/// from a timer, so a power loss costs at most about that long. The descriptor is also read
/// back (`hash`): the bundle's SHA-256 is taken from what reached the file, not from what the
/// writer meant to write.
final class BundleAppendFile: @unchecked Sendable {
    let path: String
    private var descriptor: Int32
    private let lock = NSLock()
    private var dirty = false
    /// Bytes in the file: everything appended after the last truncate.
    private var byteCount = 0
    private var syncFailure: ProctorError?
    private var timer: DispatchSourceTimer?
    /// fsyncs done by the timer (tests check the durability window with it).
    private var syncsByTimer = 0
    var timedSyncs: Int { lock.withLock { syncsByTimer } }
    var length: Int { lock.withLock { byteCount } }

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    /// A new file; never replaces an existing one, which may hold a recording.
    static func create(path: String) throws(ProctorError) -> BundleAppendFile {
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw error(errno, "could not create the bundle \(path)") }
        let file = BundleAppendFile(path: path, descriptor: fd)
        try file.syncDirectory()
        return file
    }

    static func openForAppend(path: String) throws(ProctorError) -> BundleAppendFile {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw error(errno, "could not open the bundle \(path) to resume it") }
        return BundleAppendFile(path: path, descriptor: fd)
    }

    func startSyncing(every interval: Duration) {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
        let nanoseconds = max(1_000_000, Int(interval.components.seconds) * 1_000_000_000 + Int(interval.components.attoseconds / 1_000_000_000))
        timer.schedule(deadline: .now() + .nanoseconds(nanoseconds), repeating: .nanoseconds(nanoseconds), leeway: .milliseconds(50))
        timer.setEventHandler { [weak self] in self?.syncIfDirty() }
        timer.resume()
        self.timer = timer
    }

    func truncate(to length: Int) throws(ProctorError) {
        guard ftruncate(descriptor, off_t(length)) == 0, lseek(descriptor, off_t(length), SEEK_SET) == off_t(length) else {
            throw Self.error(errno, "could not cut the torn last record off \(path)")
        }
        lock.withLock { byteCount = length }
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws(ProctorError) {
        if let failure = lock.withLock({ syncFailure }) { throw failure }
        var done = 0
        while done < bytes.count {
            let written = write(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if written < 0 {
                if errno == EINTR { continue }
                throw Self.error(errno, "could not write to the bundle \(path)")
            }
            done += written
        }
        lock.withLock {
            dirty = true
            byteCount += bytes.count
        }
    }

    /// Feeds bytes [offset, end) of the file, as read back from it, to `hasher`, in pieces of
    /// `chunk` bytes (constant memory, whatever the bundle's size). Call after `sync()`, with no
    /// append in flight.
    func hash(into hasher: inout SHA256.Incremental, from offset: Int, to end: Int, chunk: Int = 1 << 20) throws(ProctorError) {
        guard end > offset else { return }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: min(chunk, end - offset), alignment: 16)
        defer { buffer.deallocate() }
        var position = offset
        while position < end {
            let got = pread(descriptor, buffer.baseAddress!, min(buffer.count, end - position), off_t(position))
            if got < 0 {
                if errno == EINTR { continue }
                throw Self.error(errno, "could not read back the bundle \(path) to hash it")
            }
            guard got > 0 else {
                throw ProctorError(.io, "the bundle \(path) is shorter than what was written to it (\(position) of \(end) bytes); another program truncated it")
            }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<got]))
            position += got
        }
    }

    func sync() throws(ProctorError) {
        lock.withLock { dirty = false }
        guard fsync(descriptor) == 0 else { throw Self.error(errno, "could not flush the bundle \(path) to disk") }
    }

    /// Stops the timer, flushes and closes. Safe to call twice.
    func close() throws(ProctorError) {
        timer?.cancel()
        timer = nil
        let fd: Int32 = lock.withLock {
            defer { descriptor = -1 }
            return descriptor
        }
        guard fd >= 0 else { return }
        let synced = fsync(fd) == 0
        let code = errno
        _ = Foundation.close(fd)
        guard synced else { throw Self.error(code, "could not flush the bundle \(path) to disk") }
    }

    /// Runs on the timer's queue. fsync works on a duplicate descriptor so a concurrent close
    /// cannot pull the descriptor away mid-call, and appends never wait for the disk.
    private func syncIfDirty() {
        let fd: Int32 = lock.withLock {
            guard dirty, descriptor >= 0 else { return -1 }
            dirty = false
            return dup(descriptor)
        }
        guard fd >= 0 else { return }
        if fsync(fd) != 0 {
            let failure = Self.error(errno, "could not flush the bundle \(path) to disk")
            lock.withLock { syncFailure = failure }
        } else {
            lock.withLock { syncsByTimer += 1 }
        }
        _ = Foundation.close(fd)
    }

    /// The new name must survive a power loss as well as the bytes.
    private func syncDirectory() throws(ProctorError) {
        let directory = (path as NSString).deletingLastPathComponent
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { _ = Foundation.close(fd) }
        _ = fsync(fd)
    }

    static func error(_ code: Int32, _ message: String) -> ProctorError {
        let reason = String(cString: strerror(code))
        switch code {
        case EACCES, EPERM, EROFS: return ProctorError(.permission, "\(message): \(reason)", detail: "errno \(code)")
        case ENOENT: return ProctorError(.missingInput, "\(message): \(reason)", detail: "errno \(code)")
        default: return ProctorError(.io, "\(message): \(reason)", detail: "errno \(code)")
        }
    }

    deinit {
        try? close()
    }
}
