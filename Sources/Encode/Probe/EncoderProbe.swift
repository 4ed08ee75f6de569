internal import CFFmpeg
import ProctorModel

/// Which encoders this FFmpeg build has, proven by opening each at a tiny size: a codec that
/// is listed but cannot open (a missing external library) does not count.
public enum EncoderProbe {
    public enum Kind: String, Sendable, CaseIterable {
        case h264, vp9, opus
    }

    /// The encoder's FFmpeg name (e.g. "libx264"), or an error saying why it is unusable.
    public static func check(_ kind: Kind) throws(ProctorError) -> String {
        let id: AVCodecID = switch kind {
        case .h264: AV_CODEC_ID_H264
        case .vp9: AV_CODEC_ID_VP9
        case .opus: AV_CODEC_ID_OPUS
        }
        let name = avcodec_find_encoder(id).map { String(cString: $0.pointee.name) } ?? String(cString: avcodec_get_name(id))
        do {
            return try CodecContext.encoder(id: id) { context in
                switch kind {
                case .h264, .vp9:
                    context.pointee.width = 64
                    context.pointee.height = 64
                    context.pointee.pix_fmt = AV_PIX_FMT_YUV420P
                    context.pointee.time_base = AVRational(num: 1, den: 15)
                case .opus:
                    context.pointee.sample_rate = 48000
                    context.pointee.sample_fmt = context.pointee.codec.pointee.sample_fmts?.pointee ?? AV_SAMPLE_FMT_S16
                    av_channel_layout_default(&context.pointee.ch_layout, 1)
                }
            }.codecName
        } catch where error.code == .library {
            throw ProctorError(.unsupported, "the \(name) encoder is present but does not open", detail: error.detail)
        }
    }

    /// Library versions, for precheck's report ("libavcodec 59.37.100").
    public static var libraryVersions: [String: String] {
        func text(_ v: UInt32) -> String { "\(v >> 16).\((v >> 8) & 0xff).\(v & 0xff)" }
        return ["libavcodec": text(avcodec_version()), "libavformat": text(avformat_version()),
                "libavdevice": text(avdevice_version()), "libavfilter": text(avfilter_version()),
                "libswscale": text(swscale_version()), "libswresample": text(swresample_version()),
                "libavutil": text(avutil_version())]
    }
}
