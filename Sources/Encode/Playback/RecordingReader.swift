internal import CFFmpeg
import ProctorModel

/// Reads a recorded Matroska stream back for review: what streams it has (a session's stream
/// carries "camera" and "screen" video and "microphone" audio, named by their titles), a
/// keyframe index, and single frames at given times decoded from the nearest keyframe before them.
public final class RecordingReader {
    public struct Stream: Sendable, Equatable {
        public enum Kind: String, Sendable { case video, audio, other }
        public let index: Int
        public let kind: Kind
        /// The stream's title tag ("camera", "screen", "microphone"), empty when it has none.
        public let title: String
        public let codec: String
        public let width: Int
        public let height: Int
        public let sampleRate: Int

        /// Stream `index` of a demuxed recording, as a reviewer sees it.
        init(describing input: DemuxInput, index: Int) {
            let stream = input.stream(index).pointee
            let parameters = stream.codecpar.pointee
            kind = switch parameters.codec_type {
            case AVMEDIA_TYPE_VIDEO: .video
            case AVMEDIA_TYPE_AUDIO: .audio
            default: .other
            }
            self.index = index
            title = av_dict_get(stream.metadata, "title", nil, 0).map { String(cString: $0.pointee.value) } ?? ""
            codec = String(cString: avcodec_get_name(parameters.codec_id))
            width = Int(parameters.width)
            height = Int(parameters.height)
            sampleRate = Int(parameters.sample_rate)
        }
    }

    public let streams: [Stream]
    /// Frames decoded by the most recent `frame(at:)` call: at most one GOP when the index works.
    public private(set) var lastDecodeCount = 0
    private let input: DemuxInput
    private var index: KeyframeIndex?
    private var decoders: [Int: CodecContext] = [:]

    public init(_ source: MediaByteSource) throws(ProctorError) {
        let input = try DemuxInput(source)
        self.input = input
        streams = (0..<input.streamCount).map { Stream(describing: input, index: $0) }
    }

    public var videoStream: Stream? { streams.first { $0.kind == .video } }

    public var videoStreams: [Stream] { streams.filter { $0.kind == .video } }

    /// One pass over every packet, decoding no video: keyframe times of each video stream and
    /// the end time of every stream. The demuxer keeps its own copy of the keyframe positions,
    /// which is what makes the later seeks land on a keyframe without scanning.
    public func keyframeIndex() throws(ProctorError) -> KeyframeIndex {
        try scan(audioLevelInterval: nil)
    }

    /// Microphone level samples taken during `scan(audioLevelInterval:)`.
    public private(set) var audioLevels: [AudioLevelSample] = []

    /// `keyframeIndex()`, and in the same pass the audio level every `audioLevelInterval`
    /// seconds. Decoding a whole 2-hour Opus track costs over 6 CPU seconds, so each sample
    /// decodes only the 20 ms packet at that time, after a decoder reset and four warm-up
    /// packets: 5 of every 50 packets at one sample per second. Only the first call scans;
    /// later calls return the index.
    public func scan(audioLevelInterval: Double?) throws(ProctorError) -> KeyframeIndex {
        if let index { return index }
        // Called once, straight after opening: the demuxer is still at the first packet (the
        // packets avformat_find_stream_info read are buffered and come back first).
        let videos = Set(videoStreams.map(\.index))
        var times: [Int: [Double]] = [:], ends: [Int: Double] = [:]
        var sampler: LevelSampler?
        if let interval = audioLevelInterval, let audio = streams.first(where: { $0.kind == .audio }) {
            sampler = try LevelSampler(stream: audio.index, input: input, interval: interval)
        }
        let packet = Packet()
        while try input.read(into: packet.pointer) {
            let p = packet.pointer.pointee
            let stream = Int(p.stream_index)
            if let start = seconds(p.pts, stream: stream) {
                let length = seconds(p.duration, stream: stream) ?? 0
                ends[stream] = max(ends[stream] ?? 0, start + length)
                if videos.contains(stream), p.flags & AV_PKT_FLAG_KEY != 0 { times[stream, default: []].append(start) }
                if stream == sampler?.stream { try sampler?.offer(packet.pointer, time: start, length: length) }
            }
            av_packet_unref(packet.pointer)
        }
        audioLevels = sampler?.samples ?? []
        let built = KeyframeIndex(keyframes: times, streamEnds: ends)
        index = built
        return built
    }

    /// The frame of video stream `stream` (default: the first) shown at `time` (the first frame
    /// whose time is at or after it, or the last frame when `time` is past the end), as packed
    /// RGB no larger than `maxWidth` wide.
    public func frame(at time: Double, stream: Int? = nil, maxWidth: Int = 640) throws(ProctorError) -> AnalysisImage {
        guard let video = stream.flatMap({ s in videoStreams.first { $0.index == s } }) ?? videoStream else {
            throw ProctorError(.badData, "the recording has no video stream")
        }
        let index = try keyframeIndex()
        guard let keyframe = index.keyframe(atOrBefore: time, stream: video.index) else {
            throw ProctorError(.badData, "the recording has no video keyframe")
        }
        let decoder = try openDecoder(video.index)
        let stream = input.stream(video.index)
        let target = Int64((keyframe / av_q2d(stream.pointee.time_base)).rounded())
        let sought = av_seek_frame(input.context, Int32(video.index), target, AVSEEK_FLAG_BACKWARD)
        guard sought >= 0 else {
            throw ProctorError(.badData, "cannot seek in the recorded media", detail: input.failureDetail(sought, "av_seek_frame"))
        }
        avcodec_flush_buffers(decoder.pointer)
        lastDecodeCount = 0
        let packet = Packet(), frame = Frame(), kept = Frame()
        var haveKept = false, draining = false
        while true {
            if !draining {
                if try !input.read(into: packet.pointer) {
                    draining = true
                    avcodec_send_packet(decoder.pointer, nil)
                } else {
                    defer { av_packet_unref(packet.pointer) }
                    guard Int(packet.pointer.pointee.stream_index) == video.index else { continue }
                    let sent = avcodec_send_packet(decoder.pointer, packet.pointer)
                    if sent < 0, sent != proctor_averror_eagain() {
                        throw ProctorError(.badData, "a video packet could not be decoded", detail: avErrorText(sent))
                    }
                }
            }
            while true {
                let received = avcodec_receive_frame(decoder.pointer, frame.pointer)
                if received == proctor_averror_eagain() { break }
                if received == proctor_averror_eof() {
                    guard haveKept else { throw ProctorError(.badData, "no video frame could be decoded near \(time) s") }
                    return try image(kept.pointer, stream: video.index, maxWidth: maxWidth)
                }
                try check(received, "avcodec_receive_frame", "video decoding failed")
                lastDecodeCount += 1
                let frameTime = seconds(frame.pointer.pointee.best_effort_timestamp, stream: video.index) ?? time
                // Half a millisecond of slack: Matroska stores times in whole milliseconds.
                if frameTime >= time - 0.0005 {
                    return try image(frame.pointer, stream: video.index, maxWidth: maxWidth)
                }
                av_frame_unref(kept.pointer)
                av_frame_move_ref(kept.pointer, frame.pointer)
                haveKept = true
            }
        }
    }

    /// `frame(at:)` encoded as a JPEG for a report.
    public func evidenceJPEG(at time: Double, stream: Int? = nil, maxWidth: Int = 640,
                             quality: Int = 80) throws(ProctorError) -> (time: Double, jpeg: [UInt8]) {
        let image = try frame(at: time, stream: stream, maxWidth: maxWidth)
        return (image.time, try StillImage.encodeJPEG(image, quality: quality))
    }

    private func image(_ frame: UnsafeMutablePointer<AVFrame>, stream: Int, maxWidth: Int) throws(ProctorError) -> AnalysisImage {
        let width = Int(frame.pointee.width), height = Int(frame.pointee.height)
        let scale = min(1, Double(maxWidth) / Double(width))
        let outWidth = max(2, Int(Double(width) * scale) & ~1), outHeight = max(2, Int(Double(height) * scale) & ~1)
        let time = seconds(frame.pointee.best_effort_timestamp, stream: stream) ?? 0
        return try StillImage.convert(frame, to: .rgb24, width: outWidth, height: outHeight, time: time)
    }

    private func openDecoder(_ stream: Int) throws(ProctorError) -> CodecContext {
        if let decoder = decoders[stream] { return decoder }
        let timeBase = input.stream(stream).pointee.time_base
        let decoder = try CodecContext.decoder(for: input.stream(stream).pointee.codecpar!) { context in
            // One thread per recording: export parallelises across bundles, and frame threading
            // would only add decode latency to a single seek.
            context.pointee.thread_count = 1
            context.pointee.pkt_timebase = timeBase
        }
        decoders[stream] = decoder
        return decoder
    }

    private func seconds(_ value: Int64, stream: Int) -> Double? {
        guard value != proctor_av_nopts_value() else { return nil }
        return Double(value) * av_q2d(input.stream(stream).pointee.time_base)
    }
}
