/// What the student (or a script) asked to record from, as given on the command line:
/// `--camera auto|none|test|v4l2:/dev/videoN|file:PATH`,
/// `--mic auto|none|test|alsa:PCM|file:PATH`, `--screen auto|none|test|portal|x11:DISPLAY`.
import ProctorModel

public enum SourceSpec: Sendable, Equatable, CustomStringConvertible {
    /// Pick the first device that exists (camera: the lowest-numbered /dev/videoN, mic: ALSA
    /// "default", screen: $DISPLAY), as `SourceResolver` decides for begin and precheck alike.
    case auto
    /// Do not record this source.
    case none
    /// libavformat's lavfi test sources (testsrc2 / sine), paced in real time.
    case test
    /// A V4L2 device node, e.g. /dev/video0.
    case v4l2(device: String)
    /// An ALSA PCM name, e.g. "default", "hw:1,0" or a name from an asoundrc.
    case alsa(pcm: String)
    /// An X11 display, e.g. ":0".
    case x11(display: String)
    /// The Wayland desktop's screen through the xdg-desktop-portal ScreenCast portal and PipeWire.
    case portal
    /// A media file played as if it were the device, paced in real time.
    case file(path: String)

    /// Which option a spec was given for.
    public typealias Kind = SourceRole

    /// Parses one `--camera`, `--mic` or `--screen` value; the error names the option and
    /// lists the forms it accepts.
    public init(parsing text: String, for kind: Kind) throws(ProctorError) {
        let accepted: String
        switch kind {
        case .camera: accepted = "auto, none, test, v4l2:/dev/videoN or file:PATH"
        case .microphone: accepted = "auto, none, test, alsa:PCM or file:PATH"
        case .screen: accepted = "auto, none, test, portal or x11:DISPLAY"
        }
        let bad = ProctorError(.usage, "--\(kind.rawValue) '\(text)' is not a source; use \(accepted)")
        switch text {
        case "auto": self = .auto; return
        case "none": self = .none; return
        case "test": self = .test; return
        case "portal" where kind == .screen: self = .portal; return
        default: break
        }
        guard let colon = text.firstIndex(of: ":") else { throw bad }
        let scheme = text[..<colon]
        let rest = String(text[text.index(after: colon)...])
        guard !rest.isEmpty else { throw bad }
        switch (scheme, kind) {
        case ("v4l2", .camera): self = .v4l2(device: rest)
        case ("alsa", .microphone): self = .alsa(pcm: rest)
        case ("x11", .screen): self = .x11(display: rest.hasPrefix(":") ? rest : ":" + rest)
        case ("file", .camera), ("file", .microphone): self = .file(path: rest)
        default: throw bad
        }
    }

    public var description: String {
        switch self {
        case .auto: "auto"
        case .none: "none"
        case .test: "test"
        case .v4l2(let device): "v4l2:\(device)"
        case .alsa(let pcm): "alsa:\(pcm)"
        case .x11(let display): "x11:\(display)"
        case .portal: "portal"
        case .file(let path): "file:\(path)"
        }
    }
}
