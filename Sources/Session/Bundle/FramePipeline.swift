import Foundation

/// Writes and hashes everything the writer produces, in order, on a dedicated thread, while the
/// caller seals the next record. Measured here, SHA-256 of the sealed bytes costs about half of
/// AES-GCM and the write(2) into the page cache about half again; done after sealing on the
/// caller's thread they would cut sealing throughput to ~0.5 of raw AES-GCM, beside it the two
/// sides are about equally long. Frames travel in a small pool of reusable buffers: the caller
/// seals into a free one and submits it; the pool's size bounds memory (and how much a killed
/// process can lose: at most the records in flight, microseconds of work) and applies
/// back-pressure when the disk or the hash falls behind.
final class FramePipeline: @unchecked Sendable {
    final class Buffer {
        fileprivate(set) var storage = UnsafeMutableRawBufferPointer.allocate(byteCount: 0, alignment: 16)
        var count = 0

        var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: storage[0..<count]) }

        fileprivate func reserve(_ capacity: Int) {
            guard storage.count < capacity else { return }
            storage.deallocate()
            storage = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        }

        deinit {
            storage.deallocate()
        }
    }

    private let file: BundleAppendFile
    private let condition = NSCondition()
    private var free: [Buffer]
    /// Submitted, not yet written; the head stays here while it is written so `flush` waits for it.
    private var pending: [Buffer] = []
    private var stopped = false
    /// The first write failure; nothing after it is written (it would follow a torn record).
    private var failure: SessionError?
    /// SHA-256 of every byte written. Touched by the worker, or by the caller once drained (under the lock).
    private var hasher: SHA256.Incremental

    init(file: BundleAppendFile, continuing hasher: consuming SHA256.Incremental = SHA256.Incremental(), buffers: Int = 3) {
        self.file = file
        self.hasher = hasher
        free = (0..<buffers).map { _ in Buffer() }
        let thread = Thread { [self] in work() }
        thread.name = "proctor-bundle-write"
        thread.start()
    }

    /// A free buffer with room for `capacity` bytes; waits while all are in flight.
    func checkout(capacity: Int) throws(SessionError) -> Buffer {
        condition.lock()
        while free.isEmpty && failure == nil { condition.wait() }
        if let failure {
            condition.unlock()
            throw failure
        }
        let buffer = free.removeLast()
        condition.unlock()
        buffer.reserve(capacity)
        buffer.count = 0
        return buffer
    }

    /// Queues `buffer.bytes` to be written and hashed after everything submitted before it.
    func submit(_ buffer: Buffer) {
        condition.lock()
        pending.append(buffer)
        condition.broadcast()
        condition.unlock()
    }

    /// Queues a copy of small bytes (headers, the final record).
    func submit(copying bytes: [UInt8]) throws(SessionError) {
        let buffer = try checkout(capacity: bytes.count)
        bytes.withUnsafeBytes { buffer.storage.copyMemory(from: $0) }
        buffer.count = bytes.count
        submit(buffer)
    }

    /// Waits until everything submitted is written; throws the first write failure.
    func flush() throws(SessionError) {
        _ = try digest()
    }

    /// SHA-256 of everything submitted so far, once it is all written.
    func digest() throws(SessionError) -> [UInt8] {
        condition.lock()
        defer { condition.unlock() }
        while !pending.isEmpty { condition.wait() }
        if let failure { throw failure }
        return hasher.copy().finalize()
    }

    /// Ends the worker once everything queued is written.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func work() {
        condition.lock()
        while true {
            while pending.isEmpty && !stopped { condition.wait() }
            guard let buffer = pending.first else { break }
            let failed = failure != nil
            condition.unlock()
            var error: SessionError?
            if !failed {
                do {
                    try file.append(buffer.bytes)
                    hasher.update(buffer.bytes)
                } catch let writeError {
                    error = writeError
                }
            }
            condition.lock()
            if let error, failure == nil { failure = error }
            pending.removeFirst()
            free.append(buffer)
            condition.broadcast()
        }
        condition.unlock()
    }
}
