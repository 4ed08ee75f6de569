internal import CFFmpeg
import ProctorModel

/// Offers the detectors a downscaled camera picture every 1/rate seconds, a small screen
/// picture every 1/rate of `settings.screenAnalysis` seconds, and every audio block. Pictures
/// are scaled only when one is due, so analysis costs nothing per frame.
///
/// Screen pictures go through the same tap, tagged `AnalysisImage.source = .screen` (the one
/// field added to the contract, defaulting to `.camera`): no second tap method, no second
/// queue, and the runner routes by the tag (`Detector.imageSource`).
final class AnalysisFeed {
    private let tap: AnalysisTap
    private let settings: RecordingSettings
    private var camera: Sampler
    private var screen: Sampler?
    var imagesOffered: Int { camera.offered }

    init(tap: AnalysisTap, settings: RecordingSettings) {
        self.tap = tap
        self.settings = settings
        camera = Sampler(request: settings.analysis, source: .camera)
        screen = settings.screenAnalysis.map { Sampler(request: $0, source: .screen) }
    }

    func offer(_ frame: Frame, time: Double) throws(ProctorError) {
        if let image = try camera.sample(frame, time: time) { tap.offer(image) }
    }

    func offerScreen(_ frame: Frame, time: Double) throws(ProctorError) {
        if let image = try screen?.sample(frame, time: time) { tap.offer(image) }
    }

    /// One source's pacing and scaler.
    private struct Sampler {
        let request: AnalysisRequest
        let source: SourceRole
        var scaler: Scaler?
        var nextImageTime: Double?
        var offered = 0

        init(request: AnalysisRequest, source: SourceRole) {
            self.request = request
            self.source = source
        }

        mutating func sample(_ frame: Frame, time: Double) throws(ProctorError) -> AnalysisImage? {
            // 17 ms of tolerance, as `SampleSchedule` has: a 2 fps screen's frame 2 ms early
            // would otherwise wait half a second for the next one.
            if let due = nextImageTime, time < due - 0.017 { return nil }
            nextImageTime = (nextImageTime ?? time) + 1 / request.framesPerSecond
            if let due = nextImageTime, due < time { nextImageTime = time + 1 / request.framesPerSecond }
            let format = request.format
            if scaler == nil || !scaler!.matches(frame) {
                let size = request.fitted(sourceWidth: Int(frame.width), sourceHeight: Int(frame.height))
                scaler = try Scaler(from: (frame.width, frame.height, frame.format),
                                    to: (Int32(size.width), Int32(size.height), format == .gray8 ? AV_PIX_FMT_GRAY8 : AV_PIX_FMT_RGB24))
            }
            let scaler = scaler!
            let pixels = scaler.scalePacked(frame, bytesPerPixel: format.bytesPerPixel)
            offered += 1
            return AnalysisImage(width: Int(scaler.target.width), height: Int(scaler.target.height), format: format,
                                 pixels: pixels, time: time, source: source)
        }
    }

    func offer(_ samples: [Int16], time: Double) {
        tap.offer(AudioBlock(sampleRate: settings.audioSampleRate, samples: samples, time: time))
    }
}
