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
final class FramePipeline: Sendable {
    // @unchecked: raw memory that one side uses at a time, handed over through the pipeline's
    // lock: the sealing caller from `checkout` to `submit`, then the writer thread until it is
    // back in the pool.
    final class Buffer: @unchecked Sendable {
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

    private struct State {
        var free: [Buffer]
        /// Submitted and not yet written, oldest first.
        var pending: [Buffer] = []
        var stopped = false
        /// The first write failure; nothing after it is written (it would follow a torn record).
        var failure: ProctorError?
    }

    private let file: BundleAppendFile
    private let state: ConditionLock<State>

    init(file: BundleAppendFile, buffers: Int = 4) {
        self.file = file
        var initial = State(free: (0..<buffers).map { _ in Buffer() })
        initial.free.reserveCapacity(buffers)
        initial.pending.reserveCapacity(buffers)
        state = ConditionLock(initial)
        let writing = Thread { [self] in runWriter() }
        writing.name = "proctor-bundle-write"
        writing.start()
    }

    /// A free buffer with room for `capacity` bytes; waits while all are in flight.
    func checkout(capacity: Int) throws(ProctorError) -> Buffer {
        let buffer = try state.withLock(when: { !$0.free.isEmpty || $0.failure != nil }) { (state) throws(ProctorError) in
            if let failure = state.failure { throw failure }
            return state.free.removeLast()
        }
        buffer.reserve(capacity)
        buffer.count = 0
        return buffer
    }

    /// Queues `buffer.bytes` to be written after everything submitted before it.
    func submit(_ buffer: Buffer) {
        state.withLock { $0.pending.append(buffer) }
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
        try state.withLock(when: { $0.pending.isEmpty }) { (state) throws(ProctorError) in
            if let failure = state.failure { throw failure }
        }
    }

    /// Ends the thread once everything queued is written.
    func stop() {
        state.withLock { $0.stopped = true }
    }

    private func runWriter() {
        while true {
            let next = state.withLock(when: { !$0.pending.isEmpty || $0.stopped }) { state in
                state.pending.first.map { ($0, state.failure != nil) }
            }
            guard let next else { break }
            let (buffer, skip) = next
            var error: ProctorError?
            if !skip {
                do { try file.append(buffer.bytes) } catch let writeError { error = writeError }
            }
            state.withLock { state in
                if let error, state.failure == nil { state.failure = error }
                state.pending.removeFirst()
                state.free.append(buffer)
            }
        }
    }
}
