internal import CALSA
import Foundation
import ProctorModel

/// A capture PCM opened through libasound: mono signed 16-bit at `rate`, read in
/// period-sized blocks. `read` blocks, so only the microphone's own thread calls it.
final class PCMCapture {
    private var pcm: OpaquePointer?
    /// Kept alive as long as the PCM opened from it.
    private let config: ALSAConfig?
    let name: String
    let rate: Int
    let periodFrames: Int

    /// Opens `name` from ALSA's global configuration, or from `configText` when given.
    init(name: String, rate: Int, configText: String? = nil) throws(ProctorError) {
        self.name = name
        self.rate = rate
        config = try configText.map { text throws(ProctorError) in try ALSAConfig(text: text) }
        let status: Int32
        if let config {
            status = snd_pcm_open_lconf(&pcm, name, SND_PCM_STREAM_CAPTURE, 0, config.pointer)
        } else {
            status = snd_pcm_open(&pcm, name, SND_PCM_STREAM_CAPTURE, 0)
        }
        if status < 0 { throw PCMCapture.openError(status, name: name) }
        // 20 ms periods match an Opus frame; a 100 ms buffer rides out a busy pipeline thread.
        let configured = snd_pcm_set_params(pcm, SND_PCM_FORMAT_S16_LE, SND_PCM_ACCESS_RW_INTERLEAVED,
                                            1, UInt32(rate), 1, 100_000)
        if configured < 0 {
            snd_pcm_close(pcm)
            throw ProctorError(.deviceUnavailable,
                              "microphone '\(name)' cannot record mono 16-bit at \(rate) Hz; try alsa:plughw:N,0 or alsa:default",
                              detail: "snd_pcm_set_params returned \(configured) (\(alsaErrorText(configured)))", underlying: configured)
        }
        var buffer: snd_pcm_uframes_t = 0, period: snd_pcm_uframes_t = 0
        snd_pcm_get_params(pcm, &buffer, &period)
        periodFrames = max(Int(period), 160)
    }

    deinit { snd_pcm_close(pcm) }

    /// `underlying` keeps ALSA's code (a negative errno) for callers that decide on it.
    static func openError(_ status: Int32, name: String) -> ProctorError {
        let detail = "snd_pcm_open(\(name)) returned \(status) (\(alsaErrorText(status)))"
        switch -status {
        case EBUSY:
            return ProctorError(.deviceBusy, "microphone '\(name)' is in use by another program; close it and try again", detail: detail, underlying: status)
        case EACCES, EPERM:
            return ProctorError(.deviceUnavailable, "microphone '\(name)' cannot be opened: permission denied (are you in the 'audio' group?)", detail: detail, underlying: status)
        default:
            return ProctorError(.deviceUnavailable, "microphone '\(name)' was not found", detail: detail, underlying: status)
        }
    }

    enum ReadResult {
        case samples(Int)
        /// An overrun or suspend was recovered; samples were lost.
        case recovered
    }

    /// Reads up to `buffer.count` frames.
    func read(into buffer: UnsafeMutableBufferPointer<Int16>) throws(ProctorError) -> ReadResult {
        let got = snd_pcm_readi(pcm, buffer.baseAddress, snd_pcm_uframes_t(buffer.count))
        if got >= 0 { return .samples(Int(got)) }
        let code = Int32(got)
        if code == -EAGAIN || code == -EINTR { return .samples(0) }
        // EPIPE (overrun) and ESTRPIPE (suspend) are recoverable; anything else means the device went away.
        if snd_pcm_recover(pcm, code, 1) >= 0 { return .recovered }
        throw ProctorError(.deviceUnavailable, "microphone '\(name)' stopped delivering: \(alsaErrorText(code))",
                          detail: "snd_pcm_readi returned \(code)", underlying: code)
    }
}
