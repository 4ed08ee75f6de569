internal import CFFmpeg

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

    func offer(_ frame: Frame, time: Double) throws(EncodeError) {
        if let due = nextImageTime, time < due { return }
        nextImageTime = (nextImageTime ?? time) + 1 / settings.analysisFramesPerSecond
        if let due = nextImageTime, due < time { nextImageTime = time + 1 / settings.analysisFramesPerSecond }
        let format = settings.analysisFormat
        if scaler == nil || !scaler!.matches(frame) {
            let size = Self.fitted(width: Int(frame.width), height: Int(frame.height),
                                   into: (settings.analysisWidth, settings.analysisHeight))
            scaler = try Scaler(from: (frame.width, frame.height, frame.format),
                                to: (Int32(size.width), Int32(size.height), format == .gray8 ? AV_PIX_FMT_GRAY8 : AV_PIX_FMT_RGB24))
        }
        let scaler = scaler!
        let pixels = scaler.scalePacked(frame, bytesPerPixel: format.bytesPerPixel)
        tap.offer(AnalysisImage(width: Int(scaler.target.width), height: Int(scaler.target.height), format: format,
                                pixels: pixels, time: time))
        imagesOffered += 1
    }

    /// The largest even size inside `box` with the camera's aspect ratio: a 16:9 camera gives
    /// 320x180 in a 320x240 box. Stretching would change face shapes and so the face detector.
    static func fitted(width: Int, height: Int, into box: (width: Int, height: Int)) -> (width: Int, height: Int) {
        guard width > 0, height > 0 else { return box }
        let scale = min(Double(box.width) / Double(width), Double(box.height) / Double(height))
        let even = { (value: Double) in max(2, Int(value.rounded()) & ~1) }
        return (even(Double(width) * scale), even(Double(height) * scale))
    }

    func offer(_ samples: [Int16], time: Double) {
        tap.offer(AudioBlock(sampleRate: settings.audioSampleRate, samples: samples, time: time))
    }
}
