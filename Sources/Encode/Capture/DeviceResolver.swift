import ProctorModel

/// Builds the device that reads a resolved source (`SourceResolver` decides which one).
enum DeviceResolver {
    static func device(_ source: ResolvedSource, as role: SourceRole, settings: RecordingSettings) -> CaptureDevice {
        let video = role == .screen ? settings.screen : settings.camera
        switch source {
        case .test where role == .microphone:
            return lavfi(role, "sine=frequency=440:sample_rate=\(settings.audioSampleRate)", .audio, settings)
        case .test:
            return lavfi(role, "testsrc2=size=\(video.width)x\(video.height):rate=\(video.framesPerSecond)", .video, settings)
        case .file(let path):
            return AVCaptureDevice(role: role, input: .init(format: nil, url: path, optionSets: [[:]], type: role.isVideo ? .video : .audio, live: false),
                                   audioRate: settings.audioSampleRate)
        case .v4l2(let node):
            let size = ["video_size": "\(video.width)x\(video.height)", "framerate": String(video.framesPerSecond)]
            // MJPEG first: most webcams only reach 30 fps at 640x480 compressed; then raw YUYV;
            // then whatever the driver prefers (the scaler converts any of them).
            let sets = [size.merging(["input_format": "mjpeg"]) { $1 }, size.merging(["input_format": "yuyv422"]) { $1 }, size, [:]]
            return AVCaptureDevice(role: role, input: .init(format: "v4l2", url: node, optionSets: sets, type: .video, live: true),
                                   audioRate: settings.audioSampleRate)
        case .alsa(let pcm):
            // The recording's own ALSA configuration, when given (tests, scripts), defines the PCM names.
            return ALSAMicrophone(pcm: pcm, configText: settings.alsaConfiguration, rate: settings.audioSampleRate)
        case .portal:
            return PortalScreenDevice(framesPerSecond: settings.screen.framesPerSecond, token: settings.screenCastToken,
                                      consentTimeout: settings.screenConsentSeconds)
        case .x11(let display):
            let options = ["framerate": String(settings.screen.framesPerSecond), "draw_mouse": "1"]
            return AVCaptureDevice(role: role, input: .init(format: "x11grab", url: display, optionSets: [options], type: .video, live: true),
                                   audioRate: settings.audioSampleRate)
        }
    }

    private static func lavfi(_ role: SourceRole, _ graph: String, _ type: InputMedia.MediaType, _ settings: RecordingSettings) -> CaptureDevice {
        AVCaptureDevice(role: role, input: .init(format: "lavfi", url: graph, optionSets: [[:]], type: type, live: false),
                        audioRate: settings.audioSampleRate)
    }
}
