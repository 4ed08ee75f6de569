import Synchronization

/// Where the Matroska bytes go as they are produced: in a session, sealed bundle records.
/// Called on the pipeline thread, in order; a chunk is a byte range of one Matroska stream,
/// not an aligned element, so the concatenation of every chunk is the file. `mediaTime` is
/// the session-clock time (seconds) where the newest packet muxed so far ends: what a reader
/// can play up to once it has this chunk.
public protocol MediaSink: AnyObject, Sendable {
    func write(_ bytes: UnsafeRawBufferPointer, mediaTime: Double) throws
}

/// Collects the stream in memory: for tests and for small recordings read straight back.
public final class MemorySink: MediaSink {
    private struct State {
        var storage: [UInt8] = []
        var writes = 0
    }

    private let state = Mutex(State())

    public init() {}

    public func write(_ bytes: UnsafeRawBufferPointer, mediaTime: Double) throws {
        state.withLock { state in
            state.storage.append(contentsOf: bytes)
            state.writes += 1
        }
    }

    public var bytes: [UInt8] { state.withLock { $0.storage } }
    /// How many separate writes arrived: shows that the stream is flushed as it goes.
    public var writeCount: Int { state.withLock { $0.writes } }
}
