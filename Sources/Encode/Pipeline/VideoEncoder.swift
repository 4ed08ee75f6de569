internal import CFFmpeg
import ProctorModel

/// libx264 for one picture stream (camera or screen), tuned for live capture: no B-frames,
/// zerolatency, a keyframe at least every 2 s so a crash-truncated file decodes from near its
/// end. Frames are placed on a fixed grid of 1/fps from their media time; a grid slot that
/// got no frame is counted as dropped.
final class VideoEncoder {
    private let codec: CodecContext
    private let muxer: MatroskaMuxer
    private let stream: Int32
    private let framesPerSecond: Double
    private let size: (width: Int32, height: Int32)
    private var scaler: Scaler?
    private let scaled = Frame()
    private var scaledAllocated = false
    private let packet = Packet()
    private var lastPts: Int64?
    private(set) var encodedFrames = 0
    /// Frames the source should have delivered but did not (late, lost, or dropped upstream).
    private(set) var skippedSlots = 0
    private var lastTime: Double?
    /// The source's usual frame interval (running average), so a 25 fps camera on a 30 fps
    /// grid is not mistaken for one that drops every sixth frame.
    private var interval: Double?

    init(_ video: RecordingSettings.Video, preset: String, muxer: MatroskaMuxer, title: String) throws(ProctorError) {
        guard video.width > 0, video.height > 0, video.width % 2 == 0, video.height % 2 == 0, video.framesPerSecond > 0 else {
            throw ProctorError(.usage, "video size \(video.width)x\(video.height) at \(video.framesPerSecond) fps cannot be encoded; use even sizes and a positive rate")
        }
        let fps = Int32(video.framesPerSecond)
        let globalHeader = muxer.wantsGlobalHeader
        codec = try CodecContext.encoder(named: "libx264", options: ["preset": preset, "tune": "zerolatency"]) { context in
            context.pointee.width = Int32(video.width)
            context.pointee.height = Int32(video.height)
            context.pointee.pix_fmt = AV_PIX_FMT_YUV420P
            context.pointee.time_base = AVRational(num: 1, den: fps)
            context.pointee.framerate = AVRational(num: fps, den: 1)
            context.pointee.gop_size = max(1, 2 * fps)
            context.pointee.max_b_frames = 0
            context.pointee.bit_rate = Int64(video.bitsPerSecond)
            if globalHeader { context.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER }
        }
        self.muxer = muxer
        framesPerSecond = Double(video.framesPerSecond)
        size = (Int32(video.width), Int32(video.height))
        stream = try muxer.addStream(for: codec, title: title)
    }

    /// Encodes `frame` (any size or pixel format) taken at media time `time`.
    func encode(_ frame: Frame, time: Double) throws(ProctorError) {
        countMissingFrames(at: time)
        let pts = Int64((time * framesPerSecond).rounded())
        if let last = lastPts {
            // A source faster than the target rate is decimated, not counted as a loss.
            guard pts > last else { return }
        }
        lastPts = pts
        let input: Frame
        if frame.width == size.width, frame.height == size.height, frame.format == AV_PIX_FMT_YUV420P.rawValue {
            input = frame  // Already what x264 wants: no copy.
        } else {
            try convert(frame)
            input = scaled
        }
        input.pointer.pointee.pts = pts
        input.pointer.pointee.pict_type = AV_PICTURE_TYPE_NONE
        try check(avcodec_send_frame(codec.pointer, input.pointer), "avcodec_send_frame(libx264)")
        encodedFrames += 1
        try drain()
    }

    private func countMissingFrames(at time: Double) {
        defer { lastTime = time }
        guard let lastTime else { return }
        let delta = time - lastTime
        guard let usual = interval else {
            interval = delta
            return
        }
        let missing = Int((delta / usual).rounded()) - 1
        if missing > 0 {
            skippedSlots += missing
        } else {
            interval = usual * 0.9 + delta * 0.1
        }
    }

    private func convert(_ frame: Frame) throws(ProctorError) {
        if scaler == nil || !scaler!.matches(frame) {
            scaler = try Scaler(from: (frame.width, frame.height, frame.format), to: (size.width, size.height, AV_PIX_FMT_YUV420P))
        }
        if !scaledAllocated {
            scaled.pointer.pointee.width = size.width
            scaled.pointer.pointee.height = size.height
            scaled.pointer.pointee.format = AV_PIX_FMT_YUV420P.rawValue
            try check(av_frame_get_buffer(scaled.pointer, 0), "av_frame_get_buffer")
            scaledAllocated = true
        }
        // The encoder may still hold a reference to the previous picture's buffer.
        try check(av_frame_make_writable(scaled.pointer), "av_frame_make_writable")
        try scaler!.scale(frame, into: scaled)
    }

    /// Sends the end-of-stream frame and writes every packet still inside the encoder.
    func flush() throws(ProctorError) {
        try check(avcodec_send_frame(codec.pointer, nil), "avcodec_send_frame(flush)")
        try drain()
    }

    private func drain() throws(ProctorError) {
        try codec.receivePackets(into: packet) { packet throws(ProctorError) in try muxer.write(packet, stream: stream) }
    }
}
