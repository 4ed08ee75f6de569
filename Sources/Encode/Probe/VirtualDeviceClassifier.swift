import Foundation

/// Tells capture devices that are not a physical camera or microphone: a loopback or virtual
/// V4L2 node (v4l2loopback, OBS Virtual Camera, akvcam, vivid) can play any video, and an ALSA
/// loopback or monitor (snd-aloop, a PulseAudio/PipeWire `.monitor` source, a null sink) can
/// play any sound, into a recording that otherwise looks live. Pure: it judges the strings the
/// kernel and ALSA report, so it is tested on fixture data from machines that have the devices.
public enum VirtualDeviceClassifier {
    /// What VIDIOC_QUERYCAP reports for a node.
    public struct VideoCapability: Sendable, Equatable, Codable {
        public var driver: String
        public var card: String
        public var busInfo: String
        public init(driver: String, card: String, busInfo: String) {
            self.driver = driver
            self.card = card
            self.busInfo = busInfo
        }
    }

    /// What ALSA reports for a capture PCM and its card (`snd_ctl_card_info`, `snd_pcm_info`).
    public struct AudioCard: Sendable, Equatable, Codable {
        /// The PCM name as opened ("hw:1,0", "default", "pulse", a PulseAudio source name).
        public var pcm: String
        /// Card id, name and driver ("Loopback", "Loopback", "Loopback"; "PCH", "HDA Intel PCH", "HDA-Intel").
        public var cardId: String
        public var cardName: String
        public var driver: String
        /// The PCM device's own name (snd_pcm_info_get_name), e.g. "Loopback PCM" or "ALC3246 Analog".
        public var pcmName: String
        public init(pcm: String, cardId: String = "", cardName: String = "", driver: String = "", pcmName: String = "") {
            self.pcm = pcm
            self.cardId = cardId
            self.cardName = cardName
            self.driver = driver
            self.pcmName = pcmName
        }
    }

    /// Why a device counts as virtual: the field and the value that gave it away.
    public struct Verdict: Sendable, Equatable {
        public var field: String
        public var value: String
        public var reason: String

        public var description: String { "\(field) '\(value)' is \(reason)" }
    }

    /// Lower-cased substrings of V4L2 driver or card names that only virtual devices report.
    /// v4l2loopback reports driver "v4l2 loopback" and the card its module parameter names
    /// (OBS sets "OBS Virtual Camera", the default is "Dummy video device (0x0000)").
    static let virtualVideoMarkers: [(marker: String, reason: String)] = [
        ("v4l2 loopback", "the v4l2loopback driver"), ("v4l2loopback", "the v4l2loopback driver"),
        ("obs virtual camera", "OBS Studio's virtual camera"), ("obs-camera", "OBS Studio's virtual camera"),
        ("dummy video device", "v4l2loopback's default device"), ("akvcam", "the akvcam virtual camera"),
        ("vivid", "the kernel's virtual video test driver"), ("vimc", "the kernel's virtual media test driver"),
        ("virtual camera", "a virtual camera"), ("virtual webcam", "a virtual camera"), ("droidcam", "a phone app streamed as a camera"),
        ("manycam", "the ManyCam virtual camera"), ("snap camera", "the Snap Camera virtual camera"),
        ("xsplit", "the XSplit virtual camera"), ("camtwist", "a virtual camera"),
    ]

    /// Bus info of software devices: a real camera sits on `usb-…` or `PCI:…`.
    static let virtualBusPrefixes = ["platform:v4l2loopback", "platform:vivid", "platform:vimc", "platform:akvcam", "v4l2loopback"]

    /// Lower-cased substrings of ALSA card ids, names, drivers or PCM names of loopbacks and monitors.
    static let virtualAudioMarkers: [(marker: String, reason: String)] = [
        ("loopback", "an ALSA loopback (snd-aloop): it records what another program plays"),
        (".monitor", "a monitor source: it records what the computer plays"),
        ("monitor of ", "a monitor source: it records what the computer plays"),
        ("null sink", "a null sink: it records what another program plays into it"),
        ("null-sink", "a null sink: it records what another program plays into it"),
        ("null_sink", "a null sink: it records what another program plays into it"),
        ("null output", "a null sink: it records what another program plays into it"),
        ("snd-dummy", "the ALSA dummy driver"), ("dummy", "the ALSA dummy driver"),
        ("virtual", "a virtual sound device"), ("vb-audio", "a virtual sound cable"),
        ("blackhole", "a virtual sound cable"), ("soundflower", "a virtual sound cable"),
    ]

    /// nil for an ordinary camera.
    public static func camera(_ capability: VideoCapability) -> Verdict? {
        for (field, value) in [("driver", capability.driver), ("card", capability.card)] {
            let lower = value.lowercased()
            if let hit = virtualVideoMarkers.first(where: { lower.contains($0.marker) }) {
                return Verdict(field: field, value: value, reason: hit.reason)
            }
        }
        let bus = capability.busInfo.lowercased()
        if virtualBusPrefixes.contains(where: { bus.hasPrefix($0) }) {
            return Verdict(field: "bus", value: capability.busInfo, reason: "a software device, not a camera")
        }
        return nil
    }

    /// nil for an ordinary microphone.
    public static func microphone(_ card: AudioCard) -> Verdict? {
        for (field, value) in [("PCM", card.pcm), ("card id", card.cardId), ("card", card.cardName), ("driver", card.driver), ("device", card.pcmName)] {
            let lower = value.lowercased()
            if let hit = virtualAudioMarkers.first(where: { lower.contains($0.marker) }) {
                return Verdict(field: field, value: value, reason: hit.reason)
            }
        }
        return nil
    }
}

extension VirtualDeviceClassifier {
    /// The verdict for the camera `spec` will record from (`auto` resolved as the recorder
    /// resolves it); nil for a real camera, a device that cannot be probed, or a non-device
    /// source (those are judged by the session, not here).
    public static func inspect(camera spec: SourceSpec) -> Verdict? {
        let device: String
        switch spec {
        case .v4l2(let node): device = node
        case .auto:
            guard let node = (0..<10).map({ "/dev/video\($0)" }).first(where: { FileManager.default.fileExists(atPath: $0) }) else { return nil }
            device = node
        default: return nil
        }
        return (try? VideoDeviceProbe.probe(device))?.virtual
    }

    /// The same for the microphone `spec` (`auto` is ALSA's "default"). Probe before the
    /// recorder opens the PCM: a PCM held by the recorder reads as busy.
    public static func inspect(microphone spec: SourceSpec, environment: [String: String] = ProcessInfo.processInfo.environment) -> Verdict? {
        let pcm: String
        switch spec {
        case .alsa(let name): pcm = name
        case .auto: pcm = "default"
        default: return nil
        }
        return (try? AudioDeviceProbe.probe(pcm, environment: environment)).flatMap(microphone)
    }
}
