internal import CFFmpeg
import ProctorModel

/// Offers the detectors a downscaled camera picture every 1/rate seconds and every audio
/// block. Pictures are scaled only when one is due, so analysis costs nothing per frame.
final class AnalysisFeed {
    private let tap: AnalysisTap
    private let settings: RecordingSettings
    private var scaler: Scaler?
    private var nextImageTime: Double?
    private(set) var imagesOffered = 0

    init(tap: AnalysisTap, settings: RecordingSettings) {
        self.tap = tap
        self.settings = settings
    }

    func offer(_ frame: Frame, time: Double) throws(ProctorError) {
        if let due = nextImageTime, time < due { return }
        let request = settings.analysis
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
        tap.offer(AnalysisImage(width: Int(scaler.target.width), height: Int(scaler.target.height), format: format,
                                pixels: pixels, time: time))
        imagesOffered += 1
    }

    func offer(_ samples: [Int16], time: Double) {
        tap.offer(AudioBlock(sampleRate: settings.audioSampleRate, samples: samples, time: time))
    }
}
