internal import CFFmpeg
import ProctorModel

/// An opened demuxer reading a `MediaByteSource` through a custom read+seek AVIOContext: the
/// decrypted media never has to exist as one file or one buffer. Owns the AVIOContext and the
/// AVFormatContext; both are freed in deinit (the format context first: it still points at pb).
final class DemuxInput {
    let context: UnsafeMutablePointer<AVFormatContext>
    private var io: UnsafeMutablePointer<AVIOContext>?
    private let reader: Unmanaged<SourceReader>

    /// The callbacks' state: the source and the current offset. A read error from the source is
    /// kept here so the caller sees the real cause instead of FFmpeg's generic EIO.
    final class SourceReader {
        let source: MediaByteSource
        var position: Int64 = 0
        var failure: Error?
        init(_ source: MediaByteSource) { self.source = source }
    }

    init(_ source: MediaByteSource, formatName: String? = "matroska") throws(ProctorError) {
        let reader = Unmanaged.passRetained(SourceReader(source))
        // 64 KiB: libavformat's default buffer size; larger only adds latency to small seeks.
        let bufferSize = 65536
        guard let buffer = av_malloc(bufferSize),
              let io = avio_alloc_context(buffer.assumingMemoryBound(to: UInt8.self), Int32(bufferSize), 0,
                                          reader.toOpaque(), DemuxInput.readPacket, nil, DemuxInput.seek) else {
            reader.release()
            throw ProctorError(.library, "out of memory for a media reader")
        }
        self.io = io
        self.reader = reader
        var context: UnsafeMutablePointer<AVFormatContext>? = avformat_alloc_context()
        guard let allocated = context else {
            DemuxInput.free(io)
            reader.release()
            throw ProctorError(.library, "out of memory for a demuxer")
        }
        allocated.pointee.pb = io
        allocated.pointee.flags |= AVFMT_FLAG_CUSTOM_IO
        let format = formatName.flatMap { av_find_input_format($0) }
        let opened = avformat_open_input(&context, nil, format, nil)
        guard opened >= 0, let context else {
            // avformat_open_input frees the context on failure, but never a custom pb.
            let cause = reader.takeUnretainedValue().failure
            DemuxInput.free(io)
            reader.release()
            throw ProctorError(.badData, "the recorded media is not a readable Matroska stream",
                              detail: cause.map { "\($0)" } ?? "avformat_open_input: \(avErrorText(opened))")
        }
        self.context = context
        let found = avformat_find_stream_info(context, nil)
        if found < 0 {
            throw ProctorError(.badData, "the recorded media has no readable streams",
                              detail: "avformat_find_stream_info: \(avErrorText(found))")
        }
    }

    deinit {
        var context: UnsafeMutablePointer<AVFormatContext>? = context
        avformat_close_input(&context)
        DemuxInput.free(io)
        reader.release()
    }

    var streamCount: Int { Int(context.pointee.nb_streams) }

    func stream(_ index: Int) -> UnsafeMutablePointer<AVStream> {
        context.pointee.streams[index]!
    }

    /// Reads the next packet; false at the end of the stream.
    func read(into packet: UnsafeMutablePointer<AVPacket>) throws(ProctorError) -> Bool {
        let status = av_read_frame(context, packet)
        if status == proctor_averror_eof() { return false }
        guard status >= 0 else {
            throw ProctorError(.badData, "the recorded media is damaged", detail: failureDetail(status, "av_read_frame"))
        }
        return true
    }

    /// The source's own error if a read failed, otherwise FFmpeg's message.
    func failureDetail(_ code: Int32, _ call: String) -> String {
        reader.takeUnretainedValue().failure.map { "\($0)" } ?? "\(call): \(avErrorText(code))"
    }

    private static func free(_ io: UnsafeMutablePointer<AVIOContext>?) {
        var io = io
        // The buffer may have been reallocated by libavformat: free the one pb holds now.
        if io != nil { av_freep(&io!.pointee.buffer) }
        avio_context_free(&io)
    }

    private static let readPacket: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<UInt8>?, Int32) -> Int32 = { opaque, buffer, size in
        let reader = Unmanaged<SourceReader>.fromOpaque(opaque!).takeUnretainedValue()
        do {
            let count = try reader.source.read(at: reader.position, into: UnsafeMutableRawBufferPointer(start: buffer, count: Int(size)))
            if count == 0 { return proctor_averror_eof() }
            reader.position += Int64(count)
            return Int32(count)
        } catch {
            reader.failure = error
            return proctor_averror(EIO)
        }
    }

    private static let seek: @convention(c) (UnsafeMutableRawPointer?, Int64, Int32) -> Int64 = { opaque, offset, whence in
        let reader = Unmanaged<SourceReader>.fromOpaque(opaque!).takeUnretainedValue()
        let size = reader.source.size
        // AVSEEK_FORCE is a hint we can ignore: every offset is equally cheap for us.
        switch whence & ~AVSEEK_FORCE {
        case AVSEEK_SIZE: return size
        case SEEK_SET: reader.position = offset
        case SEEK_CUR: reader.position += offset
        case SEEK_END: reader.position = size + offset
        default: return Int64(proctor_averror(EINVAL))
        }
        return reader.position
    }
}
