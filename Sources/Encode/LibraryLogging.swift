internal import CALSA
internal import CFFmpeg

/// FFmpeg and ALSA print their own diagnostics to stderr. proctor reports each failure as one
/// line of its own, so the libraries stay quiet unless `--verbose` asks for their detail.
public enum LibraryLogging {
    public static func configure(verbose: Bool) {
        av_log_set_level(verbose ? AV_LOG_WARNING : AV_LOG_QUIET)
        proctor_alsa_quiet(verbose ? 0 : 1)
    }
}
