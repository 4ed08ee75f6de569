import Foundation
import ProctorModel

/// Writes everything the writer produces, in order, on its own thread, while the caller seals
/// the next record: encryption and the copy into the page cache (write(2) costs about a third
/// of AES-GCM here) overlap wherever a second core is free. Nothing is hashed on this path; the
/// bundle's SHA-256 is taken from the file when a part starts and when the bundle is finished
/// (`BundleAppendFile.hash`). Frames travel in a small pool of reusable buffers: the caller seals
/// into a free one and submits it; it returns to the pool once written. The pool's size bounds
/// memory (and what a killed process can lose: the records in flight, microseconds of work) and
/// applies back-pressure when the disk falls behind.
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
    /// Submitted and not yet written, oldest first.
    private var pending: [Buffer] = []
    private var stopped = false
    /// The first write failure; nothing after it is written (it would follow a torn record).
    private var failure: ProctorError?

    init(file: BundleAppendFile, buffers: Int = 4) {
        self.file = file
        free = (0..<buffers).map { _ in Buffer() }
        free.reserveCapacity(buffers)
        pending.reserveCapacity(buffers)
        let writing = Thread { [self] in runWriter() }
        writing.name = "proctor-bundle-write"
        writing.start()
    }

    /// A free buffer with room for `capacity` bytes; waits while all are in flight.
    func checkout(capacity: Int) throws(ProctorError) -> Buffer {
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

    /// Queues `buffer.bytes` to be written after everything submitted before it.
    func submit(_ buffer: Buffer) {
        condition.lock()
        pending.append(buffer)
        condition.broadcast()
        condition.unlock()
    }

    /// Queues a copy of small bytes (headers, the final record).
    func submit(copying bytes: [UInt8]) throws(ProctorError) {
        let buffer = try checkout(capacity: bytes.count)
        bytes.withUnsafeBytes { buffer.storage.copyMemory(from: $0) }
        buffer.count = bytes.count
        submit(buffer)
    }

    /// Waits until everything submitted is written; throws the first write failure.
    func flush() throws(ProctorError) {
        condition.lock()
        defer { condition.unlock() }
        while !pending.isEmpty { condition.wait() }
        if let failure { throw failure }
    }

    /// Ends the thread once everything queued is written.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func runWriter() {
        condition.lock()
        while true {
            while pending.isEmpty && !stopped { condition.wait() }
            guard let buffer = pending.first else { break }
            let skip = failure != nil
            condition.unlock()
            var error: ProctorError?
            if !skip {
                do { try file.append(buffer.bytes) } catch let writeError { error = writeError }
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
