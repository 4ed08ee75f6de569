import Foundation
import ProctorModel

/// A source after `auto` is resolved: the concrete device, display, PCM or file that `begin`
/// opens and precheck probes.
public enum ResolvedSource: Sendable, Equatable, CustomStringConvertible {
    /// libavformat's lavfi test sources: testsrc2 for a camera or screen, a sine for a microphone.
    case test
    case file(path: String)
    case v4l2(device: String)
    case alsa(pcm: String)
    case x11(display: String)
    /// The ScreenCast portal (Wayland): the monitors the student shares in the desktop's dialog.
    case portal

    public var description: String {
        switch self {
        case .test: "test"
        case .file(let path): "file:\(path)"
        case .v4l2(let device): "v4l2:\(device)"
        case .alsa(let pcm): "alsa:\(pcm)"
        case .x11(let display): "x11:\(display)"
        case .portal: "portal"
        }
    }
}

/// The one place `auto` and the fit of a spec to its role are decided, used by the `Recorder`
/// (begin) and by precheck alike, so precheck cannot pass where begin then fails.
public struct SourceResolver: Sendable {
    /// Where camera nodes are looked for; a test points it at a folder of its own.
    public var deviceFolder: String
    /// Where `WAYLAND_DISPLAY`, `XDG_SESSION_TYPE` and `DISPLAY` are read from for `--screen auto`.
    public var environment: [String: String]

    public init(deviceFolder: String = "/dev", environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.deviceFolder = deviceFolder
        self.environment = environment
    }

    /// What `spec` records as `role` on this machine; nil when nothing is recorded (`none`, or
    /// `auto` for the screen without a Wayland or X display: a console or ssh session).
    /// Throws `.deviceUnavailable` (no camera for `auto`, naming where it looked),
    /// `.missingInput` (a file that does not exist) or `.usage` (a spec for another role).
    public func resolve(_ spec: SourceSpec, for role: SourceRole) throws(ProctorError) -> ResolvedSource? {
        switch (spec, role) {
        case (.none, _): return nil
        case (.test, _): return .test
        case (.file(let path), .camera), (.file(let path), .microphone):
            guard FileManager.default.fileExists(atPath: path) else {
                throw ProctorError(.missingInput, "\(role.noun) file '\(path)' does not exist")
            }
            return .file(path: path)
        case (.v4l2(let device), .camera): return .v4l2(device: device)
        case (.alsa(let pcm), .microphone): return .alsa(pcm: pcm)
        case (.x11(let display), .screen): return .x11(display: display)
        case (.portal, .screen): return .portal
        case (.auto, .camera):
            guard let node = cameraNodes().first else {
                throw ProctorError(.deviceUnavailable, "no camera was found (searched \(deviceFolder)/video*); plug one in or pass --camera")
            }
            return .v4l2(device: node)
        case (.auto, .microphone): return .alsa(pcm: "default")
        case (.auto, .screen):
            // Under Wayland, x11grab sees only XWayland and records black: the portal is the
            // one way to the real screen. DISPLAY is set there too, so Wayland is asked first.
            if isWaylandSession { return .portal }
            guard let display = environment["DISPLAY"], !display.isEmpty else { return nil }
            return .x11(display: display)
        default:
            throw ProctorError(.usage, "\(role.option) '\(spec)' is not a \(role.noun) source")
        }
    }

    /// A Wayland session: `WAYLAND_DISPLAY` set, or the login manager's `XDG_SESSION_TYPE=wayland`.
    public var isWaylandSession: Bool {
        !(environment["WAYLAND_DISPLAY"] ?? "").isEmpty || environment["XDG_SESSION_TYPE"] == "wayland"
    }

    /// The V4L2 nodes present (`videoN`, any N), lowest number first: `auto` takes the first.
    public func cameraNodes() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: deviceFolder)) ?? []
        return names.compactMap { name in name.hasPrefix("video") ? Int(name.dropFirst(5)).map { (name, $0) } : nil }
            .sorted { $0.1 < $1.1 }
            .map { "\(deviceFolder)/\($0.0)" }
    }
}
