internal import CFFmpeg
import Foundation
import ProctorModel

/// One microphone level reading: RMS of one decoded audio packet, in dBFS.
public struct AudioLevelSample: Sendable, Equatable {
    public let time: Double
    /// 0 is full scale; -90 stands for digital silence.
    public let dbfs: Double
}

/// Samples the audio level at a fixed interval while the packets stream past, decoding only
/// the packets it needs (see `RecordingReader.scan(audioLevelInterval:)`).
struct LevelSampler {
    let stream: Int
    private let decoder: CodecContext
    private let frame = Frame()
    private let interval: Double
    private var next = 0.0
    /// Warm-up packets decoded before the one that is measured: with two, a steady tone still
    /// read 1.7 dB low (the decoder's state had not converged); from three on it reads within
    /// 0.1 dB of the whole-track RMS, so four leaves a margin.
    private let warmUp = 4
    private var recent: [Double] = []
    private(set) var samples: [AudioLevelSample] = []

    init(stream: Int, input: DemuxInput, interval: Double) throws(ProctorError) {
        let parameters = input.stream(stream).pointee.codecpar!
        let timeBase = input.stream(stream).pointee.time_base
        decoder = try CodecContext.decoder(for: parameters) { $0.pointee.pkt_timebase = timeBase }
        self.stream = stream
        self.interval = interval
    }

    mutating func offer(_ packet: UnsafeMutablePointer<AVPacket>, time: Double, length: Double) throws(ProctorError) {
        let step = max(length, 0.02)
        // Packets before the warm-up window are skipped undecoded.
        guard time + step * Double(warmUp) + 1e-9 >= next else { return }
        if avcodec_send_packet(decoder.pointer, packet) < 0 { return }  // a damaged packet: no reading here
        var rms: Double?
        while avcodec_receive_frame(decoder.pointer, frame.pointer) >= 0 {
            rms = Self.rms(frame.pointer)
            av_frame_unref(frame.pointer)
        }
        guard time + 1e-9 >= next, let rms else { return }
        samples.append(AudioLevelSample(time: time, dbfs: rms > 0 ? max(-90, 20 * log10(rms)) : -90))
        next = time + interval
        // A fresh state before the next warm-up, so every reading is made the same way.
        avcodec_flush_buffers(decoder.pointer)
    }

    /// RMS of the first channel, for the float and 16-bit formats audio decoders produce.
    private static func rms(_ frame: UnsafeMutablePointer<AVFrame>) -> Double? {
        let count = Int(frame.pointee.nb_samples)
        guard count > 0, let data = planeData(frame, 0) else { return nil }
        var sum = 0.0
        switch AVSampleFormat(rawValue: frame.pointee.format) {
        case AV_SAMPLE_FMT_FLT, AV_SAMPLE_FMT_FLTP:
            let stride = frame.pointee.format == AV_SAMPLE_FMT_FLT.rawValue ? Int(frame.pointee.ch_layout.nb_channels) : 1
            data.withMemoryRebound(to: Float.self, capacity: count * stride) { p in
                for i in 0..<count { sum += Double(p[i * stride]) * Double(p[i * stride]) }
            }
        case AV_SAMPLE_FMT_S16, AV_SAMPLE_FMT_S16P:
            let stride = frame.pointee.format == AV_SAMPLE_FMT_S16.rawValue ? Int(frame.pointee.ch_layout.nb_channels) : 1
            data.withMemoryRebound(to: Int16.self, capacity: count * stride) { p in
                for i in 0..<count { let v = Double(p[i * stride]) / 32768; sum += v * v }
            }
        default:
            return nil
        }
        return (sum / Double(count)).squareRoot()
    }
}
