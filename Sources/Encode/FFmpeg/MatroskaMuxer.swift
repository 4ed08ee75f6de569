internal import CFFmpeg
import ProctorModel

/// libavformat's Matroska muxer writing through a `SinkIO`. Clusters are closed at least
/// every `clusterMilliseconds` and every packet is flushed, so what reached the sink is at
/// most that far behind the encoders when the process dies.
final class MatroskaMuxer {
    private var context: UnsafeMutablePointer<AVFormatContext>
    private let io: SinkIO
    private var timeBases: [AVRational] = []
    private var started = false
    private var finished = false

    init(sink: MediaSink, clusterMilliseconds: Int) throws(ProctorError) {
        var context: UnsafeMutablePointer<AVFormatContext>?
        try check(avformat_alloc_output_context2(&context, nil, "matroska", nil), "avformat_alloc_output_context2", as: .unsupported)
        self.context = context!
        self.clusterMilliseconds = clusterMilliseconds
        io = try SinkIO(sink: sink)
        self.context.pointee.pb = io.pointer
        self.context.pointee.flags |= AVFMT_FLAG_CUSTOM_IO | AVFMT_FLAG_FLUSH_PACKETS
        // Interleaving waits for the slowest stream; a stalled camera or a 1 fps screen must not
        // hold audio back for the default 10 s, or a crash would lose that much.
        self.context.pointee.max_interleave_delta = Int64(clusterMilliseconds) * 1000
    }

    private let clusterMilliseconds: Int

    deinit {
        // The AVIOContext belongs to `io`; detach it so libavformat does not touch it.
        context.pointee.pb = nil
        avformat_free_context(context)
    }

    /// Whether the encoder must put its headers in extradata (Matroska wants them there).
    var wantsGlobalHeader: Bool { context.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0 }

    /// Adds a stream carrying `encoder`'s output; returns its index.
    func addStream(for encoder: CodecContext, title: String) throws(ProctorError) -> Int32 {
        guard let stream = avformat_new_stream(context, nil) else { throw ProctorError(.library, "avformat_new_stream failed") }
        try check(avcodec_parameters_from_context(stream.pointee.codecpar, encoder.pointer), "avcodec_parameters_from_context")
        stream.pointee.time_base = encoder.pointer.pointee.time_base
        av_dict_set(&stream.pointee.metadata, "title", title, 0)
        timeBases.append(encoder.pointer.pointee.time_base)
        return stream.pointee.index
    }

    func start(title: String) throws(ProctorError) {
        av_dict_set(&context.pointee.metadata, "title", title, 0)
        var options = OptionDictionary(["cluster_time_limit": String(clusterMilliseconds), "live": "1",
                                        "flush_packets": "1"])
        defer { options.free() }
        try wrap(avformat_write_header(context, &options.pointer), "avformat_write_header")
        started = true
        io.flush()
    }

    /// Writes one encoded packet of stream `index` (timestamps in its encoder's time base).
    func write(_ packet: Packet, stream index: Int32) throws(ProctorError) {
        packet.pointer.pointee.stream_index = index
        let timeBase = timeBases[Int(index)]
        let end = Double(packet.pointer.pointee.pts + packet.pointer.pointee.duration) * Double(timeBase.num) / Double(timeBase.den)
        io.mediaTime = max(io.mediaTime, end)
        let streamTimeBase = context.pointee.streams[Int(index)]!.pointee.time_base
        av_packet_rescale_ts(packet.pointer, timeBases[Int(index)], streamTimeBase)
        try wrap(av_interleaved_write_frame(context, packet.pointer), "av_interleaved_write_frame")
    }

    /// Writes what is still interleaved and the trailer, then flushes the last bytes.
    func finish() throws(ProctorError) {
        guard started, !finished else { return }
        finished = true
        try wrap(av_write_trailer(context), "av_write_trailer")
        io.flush()
        if let error = io.sinkError { throw ProctorError(.io, "saving the recording failed: \(error)") }
    }

    var bytesWritten: Int64 { io.bytesWritten }

    private func wrap(_ status: Int32, _ call: String) throws(ProctorError) {
        if let error = io.sinkError { throw ProctorError(.io, "saving the recording failed: \(error)", detail: call) }
        try check(status, call, as: .io)
    }
}
