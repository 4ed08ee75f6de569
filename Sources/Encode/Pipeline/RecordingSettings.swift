/// Sizes, rates and bitrates of one recording. Defaults follow the issue: 640x480 at 30 fps
/// and ~500 kbit/s for the camera, 1 fps for the screen, 32 kbit/s mono Opus at 48 kHz.
import ProctorModel

public struct RecordingSettings: Sendable, Equatable {
    public struct Video: Sendable, Equatable {
        public var width: Int
        public var height: Int
        public var framesPerSecond: Int
        public var bitsPerSecond: Int

        public init(width: Int, height: Int, framesPerSecond: Int, bitsPerSecond: Int) {
            self.width = width
            self.height = height
            self.framesPerSecond = framesPerSecond
            self.bitsPerSecond = bitsPerSecond
        }
    }

    public var camera = Video(width: 640, height: 480, framesPerSecond: 30, bitsPerSecond: 500_000)
    public var screen = Video(width: 1280, height: 720, framesPerSecond: 1, bitsPerSecond: 200_000)
    public var audioSampleRate = 48_000
    public var audioBitsPerSecond = 32_000
    /// libx264 preset: "veryfast" keeps a 640x480@30 camera well under one core.
    public var x264Preset = "veryfast"
    /// Longest stretch of media held in the muxer before it reaches the sink; bounds what a
    /// crash can lose.
    public var clusterMilliseconds = 500
    /// Downscaled frames offered to the detectors: the session sets what the detectors ask
    /// for (`DetectorRunner.analysisRequest(for:)`); this default serves a recorder without them.
    public var analysis = AnalysisRequest(width: 320, height: 240, format: .gray8, framesPerSecond: 3)
    /// Screen pictures offered to the detectors (tagged `.screen`), nil for none: the session
    /// sets `DetectorRunner.screenAnalysisRequest`; the default (160x90 gray once a second)
    /// costs one tiny scale a second.
    public var screenAnalysis: AnalysisRequest? = AnalysisRequest(width: 160, height: 90, format: .gray8, framesPerSecond: 1)
    /// An ALSA configuration (asoundrc syntax) that `alsa:NAME` is looked up in instead of the
    /// system's; lets a script or test use the `file` plugin as a microphone.
    public var alsaConfiguration: String?
    /// Where the ScreenCast portal's restore token is kept for this exam (`--screen portal`), so
    /// the consent dialog appears once; nil keeps none and the dialog appears each time.
    public var screenCastToken: ScreenCastToken?
    /// How long the portal's consent dialog may stay unanswered before begin gives up (exit 69).
    public var screenConsentSeconds = 120.0

    public init() {}
}

/// What to record from, as parsed from `--camera`, `--mic` and `--screen`.
public struct RecordingSources: Sendable, Equatable {
    public var camera: SourceSpec
    public var microphone: SourceSpec
    public var screen: SourceSpec

    public init(camera: SourceSpec, microphone: SourceSpec, screen: SourceSpec = .none) {
        self.camera = camera
        self.microphone = microphone
        self.screen = screen
    }

    public subscript(role: SourceRole) -> SourceSpec {
        switch role {
        case .camera: camera
        case .microphone: microphone
        case .screen: screen
        }
    }
}
