import Detect
import Encode
import Foundation
import Exam
import ProctorModel

/// The camera asked for with --camera exists and offers the exam's size and rate.
struct CameraCheck: PrecheckCheck {
    let id = "camera"
    let title = "Camera"
    let mode = PrecheckMode.device

    func run(_ context: PrecheckContext) -> PrecheckResult {
        let wanted = context.recording.camera
        if let skip = SourceRequirement.skipReason(context, enabled: wanted.enabled, spec: context.camera, noun: "camera", option: "--camera") {
            return skip
        }
        // The resolver `begin` uses: what passes here is what the recording opens.
        switch Result(catching: { () throws(ProctorError) in try SourceResolver(environment: context.environment).resolve(context.camera, for: .camera) }) {
        case .success(.test): return PrecheckResult(.pass, "built-in test picture (lavfi testsrc2)")
        case .success(.file(let path)): return SourceRequirement.file(path, noun: "camera")
        case .success(.v4l2(let device)): return probe(device, wanted)
        case .success: return PrecheckResult(.fail, "\(context.camera) is not a camera source", hint: "Use --camera auto, test, v4l2:/dev/videoN or file:PATH")
        case .failure(let error) where error.code == .deviceUnavailable:
            return PrecheckResult(.fail, error.message, hint: "Connect a webcam (or enable the built-in one) and run precheck again")
        case .failure(let error) where error.code == .missingInput:
            return SourceRequirement.file(context.camera.filePath ?? "", noun: "camera")
        case .failure:
            return PrecheckResult(.fail, "\(context.camera) is not a camera source", hint: "Use --camera auto, test, v4l2:/dev/videoN or file:PATH")
        }
    }

    private func probe(_ device: String, _ wanted: ExamSettings.Video) -> PrecheckResult {
        let probe: VideoDeviceProbe
        do {
            probe = try VideoDeviceProbe.probe(device)
        } catch {
            let others = VideoDeviceProbe.devices().filter { $0 != device }
            switch error.code {
            case .deviceBusy:
                return PrecheckResult(.fail, error.message, hint: "Quit programs that use the camera (video calls, browsers) and run precheck again")
            case .unsupported:
                return PrecheckResult(.fail, error.message, hint: others.isEmpty ? "Choose a camera with --camera v4l2:/dev/videoN"
                                      : "Try another camera: \(others.map { "--camera v4l2:\($0)" }.joined(separator: " or "))")
            default:
                return PrecheckResult(.fail, error.message, hint: others.isEmpty
                    ? "Plug the camera in (check that it appears as /dev/video*), or choose one with --camera v4l2:/dev/videoN"
                    : "Plug it in, or choose one that exists: \(others.map { "--camera v4l2:\($0)" }.joined(separator: " or "))")
            }
        }
        let name = probe.card.isEmpty ? device : "\(probe.card) (\(device))"
        if let virtual = probe.virtual {
            return PrecheckResult(.warn, "\(name) is a virtual camera (\(virtual.description)); the recording will be flagged camera.virtual",
                                  hint: "Choose your real webcam with --camera v4l2:/dev/videoN")
        }
        guard !probe.modes.isEmpty else {
            return PrecheckResult(.warn, "\(name) lists no capture formats", hint: "It may still work; if recording fails, try another camera")
        }
        guard probe.supports(width: wanted.width, height: wanted.height, fps: wanted.fps) else {
            let best = probe.modes.max { $0.width * $0.height < $1.width * $1.height }!
            return PrecheckResult(.warn, "\(name) offers at most \(best); the exam asks for \(wanted.width)x\(wanted.height) at \(wanted.fps) fps",
                                  hint: "Recording will scale the picture up; a better camera gives a clearer record")
        }
        return PrecheckResult(.pass, "\(name) offers \(wanted.width)x\(wanted.height) at \(wanted.fps) fps or better")
    }
}

/// The microphone asked for with --mic opens for capture (missing vs busy told apart).
struct MicrophoneCheck: PrecheckCheck {
    let id = "microphone"
    let title = "Microphone"
    let mode = PrecheckMode.device

    func run(_ context: PrecheckContext) -> PrecheckResult {
        if let skip = SourceRequirement.skipReason(context, enabled: context.recording.microphone.enabled, spec: context.microphone,
                                                   noun: "microphone", option: "--mic") {
            return skip
        }
        let pcm: String
        switch Result(catching: { () throws(ProctorError) in try SourceResolver(environment: context.environment).resolve(context.microphone, for: .microphone) }) {
        case .success(.test): return PrecheckResult(.pass, "built-in test tone (lavfi sine)")
        case .success(.file(let path)): return SourceRequirement.file(path, noun: "microphone")
        case .success(.alsa(let name)): pcm = name
        case .failure(let error) where error.code == .missingInput:
            return SourceRequirement.file(context.microphone.filePath ?? "", noun: "microphone")
        default: return PrecheckResult(.fail, "\(context.microphone) is not a microphone source", hint: "Use --mic auto, test, alsa:PCM or file:PATH")
        }
        do {
            let card = try AudioDeviceProbe.probe(pcm, environment: context.environment)
            if let virtual = VirtualDeviceClassifier.microphone(card) {
                return PrecheckResult(.warn, "ALSA PCM '\(pcm)' is not a microphone (\(virtual.description)); the recording will be flagged mic.virtual",
                                      hint: "Choose your real microphone with --mic alsa:NAME (see `arecord -l`)")
            }
            return PrecheckResult(.pass, "ALSA PCM '\(pcm)' opens for capture")
        } catch {
            if error.code == .deviceBusy {
                return PrecheckResult(.fail, error.message, hint: "Quit programs that use the microphone (video calls, recorders) and run precheck again")
            }
            return PrecheckResult(.fail, error.message, hint: "Plug in or enable a microphone (see `arecord -l`), or choose one with --mic alsa:NAME")
        }
    }
}

/// The screen path `begin` will use (the ScreenCast portal on Wayland, x11grab on X11) opens,
/// and one real frame taken through it is not black.
struct ScreenCheck: PrecheckCheck {
    static let blackHint = "On a Wayland desktop record through the desktop's screen-sharing portal: run again with --screen portal (or --screen auto inside the desktop session)"
    let id = "screen"
    let title = "Screen"
    let mode = PrecheckMode.device

    func run(_ context: PrecheckContext) -> PrecheckResult {
        if let skip = SourceRequirement.skipReason(context, enabled: context.recording.screen.enabled, spec: context.screen,
                                                   noun: "screen", option: "--screen") {
            return skip
        }
        let display: String
        switch Result(catching: { () throws(ProctorError) in try SourceResolver(environment: context.environment).resolve(context.screen, for: .screen) }) {
        case .success(.test): return PrecheckResult(.pass, "built-in test picture (lavfi testsrc2)")
        case .success(.x11(let name)): display = name
        case .success(.portal): return portal(context)
        case .success(nil) where context.screen == .auto:
            // `begin` records no screen then (a console or ssh session): say so before the exam.
            return PrecheckResult(.warn, "no Wayland or X display (WAYLAND_DISPLAY and DISPLAY are not set): the screen will not be recorded",
                                  hint: "Run proctor from a terminal inside your desktop session, or name the screen with --screen portal or --screen x11:DISPLAY")
        default: return PrecheckResult(.fail, "\(context.screen) is not a screen source", hint: "Use --screen auto, test, portal or x11:DISPLAY")
        }
        let hint = "Check the display name (echo $DISPLAY) and pass it with --screen x11:DISPLAY"
        guard DisplayProbe.x11DisplayExists(display) else {
            return PrecheckResult(.fail, "X display \(display) was not found", hint: hint)
        }
        // Open it the way `begin` will (libavdevice x11grab), then let it go: proves the
        // connection and the grab work, not only that a socket file exists.
        let picture: AnalysisImage
        do {
            let recorder = try Recorder(sources: RecordingSources(camera: .none, microphone: .none, screen: .x11(display: display)), settings: settings(context),
                                        resolver: SourceResolver(environment: context.environment))
            picture = try recorder.screenStill(DetectorRunner.screenAnalysisRequest)
        } catch {
            return PrecheckResult(.fail, "X display \(display) cannot be recorded: \(error.message)", hint: hint)
        }
        // Under Wayland x11grab reaches only XWayland and gets a black picture: the recording's
        // own screen detector test, on one real frame, so the student learns it now.
        if ScreenDetector.isUniformlyBlack(picture) {
            return PrecheckResult(.fail, "X display \(display) records a black picture: proctor cannot see this desktop (a Wayland session?)",
                                  hint: Self.blackHint)
        }
        return PrecheckResult(.pass, "X display \(display) opens for recording (x11grab)")
    }

    /// The Wayland path: the portal's consent dialog, the PipeWire stream and one real picture,
    /// exactly as `begin` opens them.
    private func portal(_ context: PrecheckContext) -> PrecheckResult {
        let picture: AnalysisImage
        do {
            let recorder = try Recorder(sources: RecordingSources(camera: .none, microphone: .none, screen: .portal), settings: settings(context),
                                        resolver: SourceResolver(environment: context.environment))
            picture = try recorder.screenStill(DetectorRunner.screenAnalysisRequest)
        } catch {
            return PrecheckResult(.fail, "the screen cannot be recorded through the desktop portal: \(error.message)",
                                  hint: "Answer the desktop's screen-sharing dialog with Share; on an X11 session use --screen x11:DISPLAY")
        }
        if ScreenDetector.isUniformlyBlack(picture) {
            return PrecheckResult(.fail, "the desktop portal shares a black picture", hint: "Share the monitor you work on in the desktop's dialog")
        }
        return PrecheckResult(.pass, "the screen opens for recording through the desktop portal (Wayland, PipeWire)")
    }

    private func settings(_ context: PrecheckContext) -> RecordingSettings {
        let wanted = context.recording.screen
        var settings = RecordingSettings()
        settings.screen = .init(width: wanted.width, height: wanted.height, framesPerSecond: wanted.fps, bitsPerSecond: wanted.bitrateKbps * 1000)
        return settings
    }
}

extension SourceSpec {
    var filePath: String? { if case .file(let path) = self { path } else { nil } }
}

/// What the source checks share: when a check does not apply, and file sources.
enum SourceRequirement {
    static func skipReason(_ context: PrecheckContext, enabled: Bool, spec: SourceSpec, noun: String, option: String) -> PrecheckResult? {
        if context.recordsNothing { return PrecheckResult(.skip, "you are exempt from proctoring") }
        if !enabled { return PrecheckResult(.skip, "this exam does not record the \(noun)") }
        if spec == .none {
            return context.exam == nil
                ? PrecheckResult(.skip, "\(option) none")
                : PrecheckResult(.fail, "this exam records the \(noun), but \(option) none was given", hint: "Leave out \(option) none")
        }
        return nil
    }

    static func file(_ path: String, noun: String) -> PrecheckResult {
        FileManager.default.isReadableFile(atPath: path)
            ? PrecheckResult(.pass, "\(noun) from file \(path)")
            : PrecheckResult(.fail, "\(noun) file \(path) was not found or is not readable", hint: "Check the path given after file:")
    }
}
