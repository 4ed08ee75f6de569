internal import CFFmpeg
import Foundation
import ProctorModel
import Synchronization

/// One recorded video track (and, for the camera, the microphone beside it) as fragmented MP4
/// for a browser's Media Source Extensions: an init segment (`ftyp` + `moov`) once, then
/// independent media segments (`moof` + `mdat`), each running from one keyframe to the first
/// keyframe at least `segmentLength` later. Packets are copied, never re-encoded (the
/// recording is H.264 and Opus, which Chromium and Firefox play in MP4), and every segment
/// is cut from the sealed stream on request: nothing decrypted is written to disk, and
/// memory holds one segment at a time however long the recording is (docs/review.md).
///
/// A segment's `tfdt` is the media time of its first packet (movflags `frag_discont`), so
/// the browser places it on the session clock by itself: camera, screen and the timeline
/// share one time axis with no offsets in the page.
public final class FragmentedMP4: Sendable {
    public struct Segment: Sendable, Equatable {
        /// Media seconds: the keyframe it starts at and the keyframe (or end) it stops before.
        public let start: Double
        public let end: Double
        /// `moof` + `mdat` boxes, to append after the init segment.
        public let bytes: [UInt8]
    }

    /// For `MediaSource.isTypeSupported` and `addSourceBuffer`, e.g. `video/mp4; codecs="avc1.42c01e, opus"`.
    public let mimeType: String
    /// Keyframe times of the video track, ascending: where segments may start.
    public let keyframes: [Double]
    /// Where the last packet of any included track ends.
    public let duration: Double
    public let segmentLength: Double
    public let initSegment: [UInt8]
    private let reader: Mutex<Reader>

    /// The demuxer and which of its streams go into the MP4; one request at a time uses it.
    private final class Reader {
        let input: DemuxInput
        let video: Int
        let audio: Int?
        init(input: DemuxInput, video: Int, audio: Int?) {
            self.input = input
            self.video = video
            self.audio = audio
        }
    }

    /// `video`: the title of the video track ("camera", "screen"); `withAudio`: include the
    /// first audio track. Reads the whole stream once, decoding nothing, to learn the keyframes
    /// (the demuxer keeps their positions, so every later seek lands without scanning).
    public init(_ source: sending MediaByteSource, video title: String, withAudio: Bool, segmentLength: Double = 4) throws(ProctorError) {
        let input = try DemuxInput(source)
        let streams = (0..<input.streamCount).map { RecordingReader.Stream(describing: input, index: $0) }
        guard let video = streams.first(where: { $0.kind == .video && $0.title == title }) else {
            throw ProctorError(.missingInput, "the recording has no \(title) video")
        }
        guard video.codec == "h264" else {
            throw ProctorError(.badData, "the \(title) video is \(video.codec), not H.264: a browser cannot play it without re-encoding")
        }
        let audio = withAudio ? streams.first { $0.kind == .audio } : nil
        if let audio, audio.codec != "opus" {
            throw ProctorError(.badData, "the microphone track is \(audio.codec), not Opus")
        }
        let reader = Reader(input: input, video: video.index, audio: audio?.index)
        (keyframes, duration) = try Self.scan(reader)
        guard !keyframes.isEmpty else { throw ProctorError(.badData, "the \(title) video has no keyframe") }
        self.segmentLength = segmentLength
        mimeType = "video/mp4; codecs=\"" + ([Self.codecString(input.stream(video.index))] + (audio == nil ? [] : ["opus"])).joined(separator: ", ") + "\""
        initSegment = try Self.boxes(["ftyp", "moov"], of: try Self.mux(reader, packets: { _ in }))
        self.reader = Mutex(reader)
    }

    /// The segment holding media time `time`: from the last keyframe at or before it.
    public func segment(containing time: Double) throws(ProctorError) -> Segment {
        var index = keyframes.lastIndex { $0 <= time + 0.0005 } ?? 0
        let start = keyframes[index]
        while index + 1 < keyframes.count, keyframes[index + 1] < start + segmentLength - 0.0005 { index += 1 }
        let end = index + 1 < keyframes.count ? keyframes[index + 1] : duration
        let bytes = try reader.withLock { reader throws(ProctorError) -> [UInt8] in
            let output = try Self.mux(reader) { write throws(ProctorError) in try Self.copy(reader, from: start, to: end, into: write) }
            return try Self.boxes(["moof", "mdat"], of: output)
        }
        return Segment(start: start, end: end, bytes: bytes)
    }

    // MARK: Reading

    private static func scan(_ reader: Reader) throws(ProctorError) -> (keyframes: [Double], end: Double) {
        let input = reader.input, packet = Packet()
        var keyframes: [Double] = [], end = 0.0
        while try input.read(into: packet.pointer) {
            defer { av_packet_unref(packet.pointer) }
            let p = packet.pointer.pointee, stream = Int(p.stream_index)
            guard stream == reader.video || stream == reader.audio, let start = seconds(p.pts, input.stream(stream)) else { continue }
            end = max(end, start + (seconds(p.duration, input.stream(stream)) ?? 0))
            if stream == reader.video, p.flags & AV_PKT_FLAG_KEY != 0 { keyframes.append(start) }
        }
        return (keyframes.sorted(), end)
    }

    /// Hands `write` the packets of [start, end): video from the keyframe at `start` up to the
    /// keyframe at `end`; audio by its own times. Reading stops a second past `end`, the most
    /// Matroska's interleaving lets an earlier packet trail behind.
    private static func copy(_ reader: Reader, from start: Double, to end: Double,
                             into write: (UnsafeMutablePointer<AVPacket>, Int) throws(ProctorError) -> Void) throws(ProctorError) {
        let input = reader.input
        let videoStream = input.stream(reader.video)
        let target = Int64((start / av_q2d(videoStream.pointee.time_base)).rounded())
        let sought = av_seek_frame(input.context, Int32(reader.video), target, AVSEEK_FLAG_BACKWARD)
        guard sought >= 0 else {
            throw ProctorError(.badData, "cannot seek in the recorded media", detail: input.failureDetail(sought, "av_seek_frame"))
        }
        let packet = Packet()
        let slack = 0.0005
        while try input.read(into: packet.pointer) {
            defer { av_packet_unref(packet.pointer) }
            let stream = Int(packet.pointer.pointee.stream_index)
            guard stream == reader.video || stream == reader.audio,
                  let time = seconds(packet.pointer.pointee.pts, input.stream(stream)) else { continue }
            if time >= end + 1 { break }
            guard time >= start - slack, time < end - slack else { continue }
            try write(packet.pointer, stream == reader.video ? 0 : 1)
        }
    }

    // MARK: Writing

    /// One MP4 in memory: a fresh muxer for the init segment or one media segment.
    private static func mux(_ reader: Reader,
                            packets: ((UnsafeMutablePointer<AVPacket>, Int) throws(ProctorError) -> Void) throws(ProctorError) -> Void) throws(ProctorError) -> [UInt8] {
        let sink = MemorySink()
        let io = try SinkIO(sink: sink)
        var context: UnsafeMutablePointer<AVFormatContext>?
        try check(avformat_alloc_output_context2(&context, nil, "mp4", nil), "avformat_alloc_output_context2", "cannot set up an MP4 writer")
        guard let context else { throw ProctorError(.library, "cannot set up an MP4 writer") }
        defer { avformat_free_context(context) }
        context.pointee.pb = io.pointer
        context.pointee.flags |= AVFMT_FLAG_CUSTOM_IO
        let sources = [reader.video] + (reader.audio.map { [$0] } ?? [])
        for index in sources {
            let source = reader.input.stream(index)
            guard let stream = avformat_new_stream(context, nil) else { throw ProctorError(.library, "out of memory for a stream") }
            try check(avcodec_parameters_copy(stream.pointee.codecpar, source.pointee.codecpar), "avcodec_parameters_copy")
            // The tag belongs to the source container; MP4 chooses its own (avc1, Opus).
            stream.pointee.codecpar.pointee.codec_tag = 0
            stream.pointee.time_base = source.pointee.time_base
        }
        // empty_moov: the moov holds no samples, so it is the same for every segment;
        // frag_keyframe: a fragment per GOP; default_base_moof: offsets relative to each moof,
        // as MSE wants; frag_discont: tfdt is the first packet's own time, not zero. Without an
        // edit list the muxer would shift every track to start at zero (avoid_negative_ts
        // make_zero); the recording's times are never negative, so only shift what would be.
        var options: OpaquePointer?
        av_dict_set(&options, "movflags", "frag_keyframe+empty_moov+default_base_moof+frag_discont", 0)
        av_dict_set(&options, "use_editlist", "0", 0)
        av_dict_set(&options, "avoid_negative_ts", "make_non_negative", 0)
        defer { av_dict_free(&options) }
        try check(avformat_write_header(context, &options), "avformat_write_header", "cannot start an MP4 segment")
        try packets { packet, output throws(ProctorError) in
            let stream = context.pointee.streams[output]!
            av_packet_rescale_ts(packet, reader.input.stream(sources[output]).pointee.time_base, stream.pointee.time_base)
            packet.pointee.stream_index = Int32(output)
            packet.pointee.pos = -1
            try check(av_write_frame(context, packet), "av_write_frame", "cannot write an MP4 segment")
        }
        try check(av_write_trailer(context), "av_write_trailer", "cannot finish an MP4 segment")
        io.flush()
        if let error = io.sinkError { throw ProctorError(.io, "cannot collect an MP4 segment", detail: "\(error)") }
        return sink.bytes
    }

    /// Keeps only the top-level boxes named in `kinds`, in order: the trailer's `mfra` and
    /// the per-request `ftyp`/`moov` of a media segment are not for the browser.
    static func boxes(_ kinds: Set<String>, of bytes: [UInt8]) throws(ProctorError) -> [UInt8] {
        var kept: [UInt8] = [], offset = 0
        while offset + 8 <= bytes.count {
            var size = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            if size == 1, offset + 16 <= bytes.count { size = bytes[offset + 8..<offset + 16].reduce(0) { $0 << 8 | Int($1) } }
            let name = String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self)
            guard size >= 8, offset + size <= bytes.count else { throw ProctorError(.internalFailure, "the MP4 writer produced a damaged \(name) box") }
            if kinds.contains(name) { kept += bytes[offset..<offset + size] }
            offset += size
        }
        return kept
    }

    /// RFC 6381 for H.264: `avc1.` + profile, constraint flags and level from the avcC record.
    private static func codecString(_ stream: UnsafeMutablePointer<AVStream>) -> String {
        let parameters = stream.pointee.codecpar.pointee
        guard parameters.extradata_size >= 4, let extra = parameters.extradata, extra[0] == 1 else { return "avc1.42e01e" }
        return String(format: "avc1.%02x%02x%02x", extra[1], extra[2], extra[3])
    }

    private static func seconds(_ value: Int64, _ stream: UnsafeMutablePointer<AVStream>) -> Double? {
        guard value != proctor_av_nopts_value() else { return nil }
        return Double(value) * av_q2d(stream.pointee.time_base)
    }
}
