/// Encode: capture sources, encoders and the muxer. Every FFmpeg and ALSA pointer lives in
/// this module and nowhere else.
public enum EncodeModule {
    public static let name = "Encode"
}
