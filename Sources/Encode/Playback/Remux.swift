internal import CFFmpeg
import ProctorModel

/// A point of interest in a recording, written as a Matroska chapter so a player (ffplay's
/// chapter keys, VLC's chapter menu) jumps straight to it.
public struct Chapter: Sendable, Equatable {
    public var start: Double
    public var end: Double
    public var title: String
    public init(start: Double, end: Double, title: String) {
        self.start = start
        self.end = end
        self.title = title
    }
}

/// Copies a recorded stream, packet for packet (no re-encoding), into a standalone seekable
/// Matroska file with a duration, cues and chapters: the file a reviewer opens in a player.
public enum Remux {
    /// Writes the audio and video streams of `source` that `include` accepts (all by default;
    /// it sees each stream's title, e.g. "camera") to `path`; returns the streams written.
    @discardableResult
    public static func write(_ source: MediaByteSource, to path: String, chapters: [Chapter] = [], title: String? = nil,
                             include: (RecordingReader.Stream) -> Bool = { _ in true }) throws(ProctorError) -> [RecordingReader.Stream] {
        let input = try DemuxInput(source)
        let output = try MuxOutput(path: path)
        var mapping = [Int: Int32]()
        var written: [RecordingReader.Stream] = []
        for i in 0..<input.streamCount {
            let parameters = input.stream(i).pointee.codecpar!
            let described = RecordingReader.Stream(describing: input, index: i)
            guard described.kind != .other else { continue }
            guard include(described) else { continue }
            guard let stream = avformat_new_stream(output.context, nil) else { throw ProctorError(.library, "out of memory for a stream") }
            try check(avcodec_parameters_copy(stream.pointee.codecpar!, parameters), "avcodec_parameters_copy",
                                 "cannot copy the stream parameters")
            // The tag belongs to the source container; Matroska chooses its own codec id.
            stream.pointee.codecpar!.pointee.codec_tag = 0
            stream.pointee.time_base = input.stream(i).pointee.time_base
            av_dict_copy(&stream.pointee.metadata, input.stream(i).pointee.metadata, 0)
            mapping[i] = stream.pointee.index
            written.append(described)
        }
        guard !mapping.isEmpty else { throw ProctorError(.badData, "the recording has no audio or video stream") }
        for (n, chapter) in chapters.sorted(by: { $0.start < $1.start }).enumerated() {
            let start = Int64((chapter.start * 1000).rounded()), end = Int64((max(chapter.end, chapter.start) * 1000).rounded())
            try check(proctor_add_chapter(output.context, Int64(n + 1), start, end, chapter.title),
                                 "av_mallocz", "out of memory for a chapter")
        }
        if let title { av_dict_set(&output.context.pointee.metadata, "title", title, 0) }
        try output.begin()

        let packet = Packet()
        while try input.read(into: packet.pointer) {
            defer { av_packet_unref(packet.pointer) }
            let from = Int(packet.pointer.pointee.stream_index)
            guard let to = mapping[from] else { continue }
            let outStream = output.context.pointee.streams[Int(to)]!
            av_packet_rescale_ts(packet.pointer, input.stream(from).pointee.time_base, outStream.pointee.time_base)
            packet.pointer.pointee.stream_index = to
            packet.pointer.pointee.pos = -1
            try output.write(packet.pointer)
        }
        try output.finish()
        return written
    }
}

/// An output Matroska file: the format context and its file. `finish()` writes the trailer
/// (cues, duration) and closes the file; deinit only frees.
final class MuxOutput {
    let context: UnsafeMutablePointer<AVFormatContext>
    private let path: String

    init(path: String) throws(ProctorError) {
        var context: UnsafeMutablePointer<AVFormatContext>?
        let status = avformat_alloc_output_context2(&context, nil, "matroska", path)
        guard status >= 0, let context else {
            throw ProctorError(.library, "cannot set up a Matroska writer", detail: avErrorText(status))
        }
        self.context = context
        self.path = path
        let opened = avio_open(&context.pointee.pb, path, AVIO_FLAG_WRITE)
        guard opened >= 0 else {
            throw ProctorError(.io, "cannot create \(path)", detail: "avio_open: \(avErrorText(opened))")
        }
    }

    func begin() throws(ProctorError) {
        let status = avformat_write_header(context, nil)
        guard status >= 0 else { throw ProctorError(.io, "cannot write the header of \(path)", detail: avErrorText(status)) }
    }

    func write(_ packet: UnsafeMutablePointer<AVPacket>) throws(ProctorError) {
        let status = av_interleaved_write_frame(context, packet)
        guard status >= 0 else { throw ProctorError(.io, "writing \(path) failed", detail: avErrorText(status)) }
    }

    func finish() throws(ProctorError) {
        let status = av_write_trailer(context)
        let closed = avio_closep(&context.pointee.pb)
        guard status >= 0, closed >= 0 else {
            throw ProctorError(.io, "finishing \(path) failed", detail: avErrorText(status < 0 ? status : closed))
        }
    }

    deinit {
        if context.pointee.pb != nil { avio_closep(&context.pointee.pb) }
        avformat_free_context(context)
    }
}
