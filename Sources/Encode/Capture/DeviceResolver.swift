import Foundation
import ProctorModel

/// Turns a `SourceSpec` into the device that reads it, resolving `auto` on this machine.
enum DeviceResolver {
    static func camera(_ spec: SourceSpec, settings: RecordingSettings) throws(ProctorError) -> CaptureDevice? {
        let video = settings.camera
        switch spec {
        case .none: return nil
        case .test:
            return lavfi("camera", "testsrc2=size=\(video.width)x\(video.height):rate=\(video.framesPerSecond)", .video, settings)
        case .file(let path): return try file("camera", path, .video, settings)
        case .v4l2(let device): return v4l2(device, settings)
        case .auto:
            let nodes = (0..<10).map { "/dev/video\($0)" }
            guard let node = nodes.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
                throw ProctorError(.deviceUnavailable, "no camera was found (/dev/video0-9); plug one in or pass --camera")
            }
            return v4l2(node, settings)
        case .alsa, .x11: throw ProctorError(.usage, "--camera '\(spec)' is not a camera source")
        }
    }

    static func microphone(_ spec: SourceSpec, settings: RecordingSettings) throws(ProctorError) -> CaptureDevice? {
        switch spec {
        case .none: return nil
        case .test:
            return lavfi("mic", "sine=frequency=440:sample_rate=\(settings.audioSampleRate)", .audio, settings)
        case .file(let path): return try file("mic", path, .audio, settings)
        case .alsa(let pcm): return ALSAMicrophone(pcm: pcm, configText: settings.alsaConfiguration, rate: settings.audioSampleRate)
        case .auto: return ALSAMicrophone(pcm: "default", configText: nil, rate: settings.audioSampleRate)
        case .v4l2, .x11: throw ProctorError(.usage, "--mic '\(spec)' is not a microphone source")
        }
    }

    static func screen(_ spec: SourceSpec, settings: RecordingSettings) throws(ProctorError) -> CaptureDevice? {
        let video = settings.screen
        switch spec {
        case .none: return nil
        case .test:
            return lavfi("screen", "testsrc2=size=\(video.width)x\(video.height):rate=\(video.framesPerSecond)", .video, settings)
        case .x11(let display): return x11(display, settings)
        case .auto:
            // No display (a console or ssh session) means there is no screen to record.
            guard let display = ProcessInfo.processInfo.environment["DISPLAY"], !display.isEmpty else { return nil }
            return x11(display, settings)
        case .file, .v4l2, .alsa: throw ProctorError(.usage, "--screen '\(spec)' is not a screen source")
        }
    }

    private static func lavfi(_ role: String, _ graph: String, _ type: InputMedia.MediaType, _ settings: RecordingSettings) -> CaptureDevice {
        AVCaptureDevice(role: role, input: .init(format: "lavfi", url: graph, optionSets: [[:]], type: type, live: false),
                        audioRate: settings.audioSampleRate)
    }

    private static func file(_ role: String, _ path: String, _ type: InputMedia.MediaType, _ settings: RecordingSettings) throws(ProctorError) -> CaptureDevice {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ProctorError(.missingInput, "\(role) file '\(path)' does not exist")
        }
        return AVCaptureDevice(role: role, input: .init(format: nil, url: path, optionSets: [[:]], type: type, live: false),
                               audioRate: settings.audioSampleRate)
    }

    private static func v4l2(_ node: String, _ settings: RecordingSettings) -> CaptureDevice {
        let video = settings.camera
        let size = ["video_size": "\(video.width)x\(video.height)", "framerate": String(video.framesPerSecond)]
        // MJPEG first: most webcams only reach 30 fps at 640x480 compressed; then raw YUYV;
        // then whatever the driver prefers (the scaler converts any of them).
        let sets = [size.merging(["input_format": "mjpeg"]) { $1 }, size.merging(["input_format": "yuyv422"]) { $1 }, size, [:]]
        return AVCaptureDevice(role: "camera", input: .init(format: "v4l2", url: node, optionSets: sets, type: .video, live: true),
                               audioRate: settings.audioSampleRate)
    }

    private static func x11(_ display: String, _ settings: RecordingSettings) -> CaptureDevice {
        let options = ["framerate": String(settings.screen.framesPerSecond), "draw_mouse": "1"]
        return AVCaptureDevice(role: "screen", input: .init(format: "x11grab", url: display, optionSets: [options], type: .video, live: true),
                               audioRate: settings.audioSampleRate)
    }
}
