internal import CALSA
import ProctorModel

/// Can this ALSA PCM be opened for capture right now? Opened non-blocking and closed at once,
/// so a probe never waits for, or keeps, a microphone another program holds. ALSA's own
/// error printing is silenced by `LibraryLogging.configure`.
public enum AudioDeviceProbe {
    /// Throws `.deviceUnavailable` when the PCM does not exist and `.deviceBusy` when another
    /// program holds it.
    public static func probe(_ pcm: String) throws(ProctorError) {
        var handle: OpaquePointer?
        let result = snd_pcm_open(&handle, pcm, SND_PCM_STREAM_CAPTURE, SND_PCM_NONBLOCK)
        if result == 0, let handle {
            snd_pcm_close(handle)
            return
        }
        let detail = "snd_pcm_open: \(String(cString: snd_strerror(result)))"
        switch -result {
        case EBUSY, EAGAIN:
            throw ProctorError(.deviceBusy, "microphone '\(pcm)' is in use by another program", detail: detail)
        case EACCES, EPERM:
            throw ProctorError(.deviceBusy, "microphone '\(pcm)' cannot be opened: permission denied (is your user in the 'audio' group?)", detail: detail)
        default:
            throw ProctorError(.deviceUnavailable, "microphone '\(pcm)' was not found", detail: detail)
        }
    }

    /// The ALSA library version, for precheck's library report.
    public static var libraryVersion: String { String(cString: snd_asoundlib_version()) }
}
