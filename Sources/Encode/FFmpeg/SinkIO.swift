internal import CFFmpeg
import ProctorModel

/// A write-only, non-seekable AVIOContext whose flushes go to a `MediaSink`. Non-seekable is
/// deliberate: the Matroska muxer then never goes back to patch sizes, so every byte handed
/// over is final and a crash leaves a prefix that still decodes.
final class SinkIO {
    let pointer: UnsafeMutablePointer<AVIOContext>
    private let sink: MediaSink
    /// The sink's own error, kept because FFmpeg only sees AVERROR(EIO).
    private(set) var sinkError: Error?
    private(set) var bytesWritten: Int64 = 0
    /// End time of the newest packet handed to the muxer, passed along with each chunk.
    var mediaTime: Double = 0

    init(sink: MediaSink, bufferSize: Int = 64 * 1024) throws(ProctorError) {
        self.sink = sink
        guard let buffer = av_malloc(bufferSize) else { throw ProctorError(.library, "av_malloc: out of memory") }
        pointer = UnsafeMutablePointer(mutating: avio_alloc_context(buffer.assumingMemoryBound(to: UInt8.self), Int32(bufferSize), 1, nil, nil,
                                                                    { opaque, data, size in
            let io = Unmanaged<SinkIO>.fromOpaque(opaque!).takeUnretainedValue()
            return io.deliver(UnsafeRawBufferPointer(start: data, count: Int(size)))
        }, nil))
        pointer.pointee.opaque = Unmanaged.passUnretained(self).toOpaque()
        pointer.pointee.seekable = 0
    }

    deinit {
        av_freep(&pointer.pointee.buffer)
        var context: UnsafeMutablePointer<AVIOContext>? = pointer
        avio_context_free(&context)
    }

    private func deliver(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        if sinkError != nil { return proctor_averror(EIO) }
        do {
            try sink.write(bytes, mediaTime: mediaTime)
            bytesWritten += Int64(bytes.count)
            return Int32(bytes.count)
        } catch {
            sinkError = error
            return proctor_averror(EIO)
        }
    }

    func flush() { avio_flush(pointer) }
}
