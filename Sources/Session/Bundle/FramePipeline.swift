import Foundation

/// Writes and hashes everything the writer produces, in order, each on its own thread, while
/// the caller seals the next record. Profiled here, SHA-256 of the sealed bytes and the write(2)
/// into the page cache each cost about as much CPU as AES-GCM itself: done in line they cut
/// sealing to about a third of raw AES-GCM speed; as three stages they overlap on as many cores
/// as there are. Frames travel in a small pool of reusable buffers: the caller seals into a free
/// one and submits it; a buffer returns to the pool once it is both written and hashed. The
/// pool's size bounds memory (and what a killed process can lose: the records in flight,
/// microseconds of work) and applies back-pressure when the disk or the hash falls behind.
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
    /// Submitted and not yet both written and hashed, oldest first.
    private var pending: [Buffer] = []
    /// How many of `pending`, from the front, each stage has finished.
    private var written = 0, hashed = 0
    private var stopped = false
    /// The first write failure; nothing after it is written (it would follow a torn record).
    private var failure: SessionError?
    /// SHA-256 of every byte submitted. Touched by the hashing thread, or by the caller once
    /// drained (under the lock).
    private var hasher: SHA256.Incremental

    init(file: BundleAppendFile, continuing hasher: consuming SHA256.Incremental = SHA256.Incremental(), buffers: Int = 4) {
        self.file = file
        self.hasher = hasher
        free = (0..<buffers).map { _ in Buffer() }
        let writing = Thread { [self] in run(stage: .write) }
        writing.name = "proctor-bundle-write"
        writing.start()
        let hashing = Thread { [self] in run(stage: .hash) }
        hashing.name = "proctor-bundle-hash"
        hashing.start()
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

    /// Ends both threads once everything queued is written and hashed.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private enum Stage { case write, hash }

    private func run(stage: Stage) {
        condition.lock()
        while true {
            // Re-read each time: the other stage's retiring shifts both counters.
            while (stage == .write ? written : hashed) == pending.count && !stopped { condition.wait() }
            let position = stage == .write ? written : hashed
            guard position < pending.count else { break }
            let buffer = pending[position]
            let skip = failure != nil
            condition.unlock()
            var error: SessionError?
            if !skip {
                switch stage {
                case .write:
                    do { try file.append(buffer.bytes) } catch let writeError { error = writeError }
                case .hash:
                    hasher.update(buffer.bytes)
                }
            }
            condition.lock()
            if let error, failure == nil { failure = error }
            if stage == .write { written += 1 } else { hashed += 1 }
            while written > 0 && hashed > 0 {
                free.append(pending.removeFirst())
                written -= 1
                hashed -= 1
            }
            condition.broadcast()
        }
        condition.unlock()
    }
}
