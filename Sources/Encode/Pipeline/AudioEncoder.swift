internal import CFFmpeg
import ProctorModel

/// libopus for the microphone: mono, signed 16-bit in, 20 ms frames out. Samples arrive in
/// whatever block size the source reads and are re-cut into encoder frames here. Timestamps
/// count samples, so audio stays continuous; a jump in the source's time larger than
/// `gapTolerance` is filled with silence to keep audio and video in sync, and reported.
final class AudioEncoder {
    private let codec: CodecContext
    private let muxer: MatroskaMuxer
    private let stream: Int32
    private let rate: Int
    private let frameSize: Int
    private let frame = Frame()
    private let packet = Packet()
    private var pending: [Int16] = []
    /// Media time of `pending[0]`, in samples.
    private var pendingStart: Int64?
    /// More than scheduling jitter (a few ms), less than the 100 ms an ALSA overrun loses.
    private let gapTolerance = 0.05
    private(set) var encodedSamples: Int64 = 0

    init(rate: Int, bitsPerSecond: Int, muxer: MatroskaMuxer, title: String) throws(ProctorError) {
        let globalHeader = muxer.wantsGlobalHeader
        codec = try CodecContext.encoder(named: "libopus") { context in
            context.pointee.sample_rate = Int32(rate)
            context.pointee.sample_fmt = AV_SAMPLE_FMT_S16
            av_channel_layout_default(&context.pointee.ch_layout, 1)
            context.pointee.bit_rate = Int64(bitsPerSecond)
            context.pointee.time_base = AVRational(num: 1, den: Int32(rate))
            if globalHeader { context.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER }
        }
        self.muxer = muxer
        self.rate = rate
        frameSize = Int(codec.pointer.pointee.frame_size > 0 ? codec.pointer.pointee.frame_size : 960)
        frame.pointer.pointee.nb_samples = Int32(frameSize)
        frame.pointer.pointee.format = AV_SAMPLE_FMT_S16.rawValue
        frame.pointer.pointee.sample_rate = Int32(rate)
        av_channel_layout_default(&frame.pointer.pointee.ch_layout, 1)
        try check(av_frame_get_buffer(frame.pointer, 0), "av_frame_get_buffer(audio)")
        stream = try muxer.addStream(for: codec, title: title)
    }

    /// Appends samples whose first one was taken at media time `time`; returns the seconds of
    /// silence inserted for a gap before them (0 when the audio was continuous).
    func append(_ samples: [Int16], time: Double) throws(ProctorError) -> Double {
        let start = Int64((time * Double(rate)).rounded())
        var gap = 0.0
        if let pendingStart {
            let expected = pendingStart + Int64(pending.count)
            if Double(start - expected) > gapTolerance * Double(rate) {
                gap = Double(start - expected) / Double(rate)
                pending.append(contentsOf: repeatElement(0, count: Int(start - expected)))
            }
        } else {
            pendingStart = start
        }
        pending.append(contentsOf: samples)
        try encodeWholeFrames()
        return gap
    }

    private func encodeWholeFrames() throws(ProctorError) {
        var used = 0
        while pending.count - used >= frameSize {
            try send(pending[used..<(used + frameSize)])
            used += frameSize
        }
        if used > 0 {
            pending.removeFirst(used)
            pendingStart! += Int64(used)
        }
    }

    private func send(_ samples: ArraySlice<Int16>) throws(ProctorError) {
        try check(av_frame_make_writable(frame.pointer), "av_frame_make_writable(audio)")
        frame.pointer.pointee.nb_samples = Int32(samples.count)
        samples.withUnsafeBytes { bytes in
            UnsafeMutableRawPointer(frame.pointer.pointee.data.0!).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        }
        frame.pointer.pointee.pts = pendingStart! + Int64(samples.startIndex)
        try check(avcodec_send_frame(codec.pointer, frame.pointer), "avcodec_send_frame(libopus)")
        encodedSamples += Int64(samples.count)
        try drain()
    }

    /// Encodes the last partial frame, then drains the encoder.
    func flush() throws(ProctorError) {
        if !pending.isEmpty {
            try send(pending[...])
            pendingStart! += Int64(pending.count)
            pending.removeAll()
        }
        try check(avcodec_send_frame(codec.pointer, nil), "avcodec_send_frame(flush)")
        try drain()
    }

    private func drain() throws(ProctorError) {
        try codec.receivePackets(into: packet) { packet throws(ProctorError) in try muxer.write(packet, stream: stream) }
    }
}
