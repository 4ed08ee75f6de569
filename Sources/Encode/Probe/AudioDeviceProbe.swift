internal import CALSA
import Foundation
import ProctorModel

/// Can this ALSA PCM be opened for capture right now? Opened non-blocking and closed at once,
/// so a probe never waits for, or keeps, a microphone another program holds. ALSA's own
/// error printing is silenced by `LibraryLogging.configure`.
public enum AudioDeviceProbe {
    /// Throws `.deviceUnavailable` when the PCM does not exist and `.deviceBusy` when another
    /// program holds it. Returns what ALSA says about the PCM and its card.
    @discardableResult
    public static func probe(_ pcm: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ProctorError) -> VirtualDeviceClassifier.AudioCard {
        var handle: OpaquePointer?
        let result = snd_pcm_open(&handle, pcm, SND_PCM_STREAM_CAPTURE, SND_PCM_NONBLOCK)
        if result == 0, let handle {
            defer { snd_pcm_close(handle) }
            var card = describe(handle, pcm: pcm)
            // The pulse plugin records from $PULSE_SOURCE when it is set: a `.monitor` there is
            // the computer's own output, whatever the PCM is called.
            if let source = environment["PULSE_SOURCE"], !source.isEmpty { card.pcm += " (PULSE_SOURCE=\(source))" }
            return card
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

    /// Card id, name and driver of a hardware PCM (a plugin PCM such as "pulse" has no card).
    private static func describe(_ handle: OpaquePointer, pcm: String) -> VirtualDeviceClassifier.AudioCard {
        var card = VirtualDeviceClassifier.AudioCard(pcm: pcm)
        var info: OpaquePointer?
        guard snd_pcm_info_malloc(&info) == 0, let info else { return card }
        defer { snd_pcm_info_free(info) }
        guard snd_pcm_info(handle, info) == 0 else { return card }
        if let name = snd_pcm_info_get_name(info) { card.pcmName = String(cString: name) }
        let index = snd_pcm_info_get_card(info)
        guard index >= 0 else { return card }
        var control: OpaquePointer?
        guard snd_ctl_open(&control, "hw:\(index)", 0) == 0, let control else { return card }
        defer { snd_ctl_close(control) }
        var cardInfo: OpaquePointer?
        guard snd_ctl_card_info_malloc(&cardInfo) == 0, let cardInfo else { return card }
        defer { snd_ctl_card_info_free(cardInfo) }
        guard snd_ctl_card_info(control, cardInfo) == 0 else { return card }
        if let id = snd_ctl_card_info_get_id(cardInfo) { card.cardId = String(cString: id) }
        if let name = snd_ctl_card_info_get_name(cardInfo) { card.cardName = String(cString: name) }
        if let driver = snd_ctl_card_info_get_driver(cardInfo) { card.driver = String(cString: driver) }
        return card
    }

    /// The ALSA library version, for precheck's library report.
    public static var libraryVersion: String { String(cString: snd_asoundlib_version()) }
}
