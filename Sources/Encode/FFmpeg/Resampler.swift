internal import CFFmpeg
import ProctorModel

/// A libswresample context turning any decoded audio into mono signed 16-bit samples at the
/// recording rate, which is what the Opus encoder and the audio detectors take.
final class Resampler {
    private var context: OpaquePointer?
    let outputRate: Int32
    private var buffer: [Int16] = []

    init(from frame: Frame, outputRate: Int32) throws(ProctorError) {
        self.outputRate = outputRate
        var outLayout = AVChannelLayout()
        av_channel_layout_default(&outLayout, 1)
        let input = frame.pointer
        let status = withUnsafeMutablePointer(to: &input.pointee.ch_layout) { inLayout in
            swr_alloc_set_opts2(&context, &outLayout, AV_SAMPLE_FMT_S16, outputRate,
                                inLayout, AVSampleFormat(input.pointee.format), input.pointee.sample_rate, 0, nil)
        }
        try check(status, "swr_alloc_set_opts2")
        try check(swr_init(context), "swr_init")
    }

    deinit { swr_free(&context) }

    /// Converted samples for one decoded frame.
    func convert(_ frame: Frame) throws(ProctorError) -> [Int16] {
        let input = frame.pointer
        let capacity = Int(swr_get_out_samples(context, input.pointee.nb_samples))
        if buffer.count < capacity { buffer = [Int16](repeating: 0, count: capacity) }
        let source = UnsafeMutableRawPointer(input.pointee.extended_data).assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
        let produced = buffer.withUnsafeMutableBytes { out -> Int32 in
            var outPointer: UnsafeMutablePointer<UInt8>? = out.baseAddress?.assumingMemoryBound(to: UInt8.self)
            return swr_convert(context, &outPointer, Int32(capacity), source, input.pointee.nb_samples)
        }
        try check(produced, "swr_convert")
        return Array(buffer[0..<Int(produced)])
    }
}
