public import Encode
import Foundation

/// CPU per face sample, for `make bench` (`proctor bench-faces`): the whole `FaceDetector` at
/// default settings (landmarks included) with the CNN first and with HOG alone, and each detector's own call, on one thread, on a picture
/// letterboxed to the recording's 320x240 analysis frame with fresh sensor noise every sample.
public enum FaceBenchmark {
    public struct Result: Codable, Sendable {
        public var samples: Int
        /// The engine a recording here would use (FaceEngine's description).
        public var engine: String
        /// Thread CPU milliseconds per sample.
        public var detectorMs: Double?
        public var hogDetectorMs: Double
        public var networkMs: Double?
        public var hogMs: Double
    }

    public static func run(picture: AnalysisImage, samples: Int) throws(DetectError) -> Result {
        let frame: AnalysisImage
        do {
            frame = try StillImage.letterboxed(picture, width: 320, height: 240, format: .gray8)
        } catch {
            throw DetectError(.badData, "could not scale the benchmark picture", detail: error.description)
        }
        var generator = SystemRandomNumberGenerator()
        let frames = (0..<samples).map { index in
            AnalysisImage(width: frame.width, height: frame.height, format: .gray8,
                          pixels: frame.pixels.map { UInt8(clamping: Int($0) + Int.random(in: -2...2, using: &generator)) },
                          time: Double(index))
        }
        // Default settings, so gaze.away's landmarks are paid as in a recording.
        let model = try FaceModel(landmarkModel: FaceModel.defaultLandmarkModel)
        let settings = DetectionSettings()
        let network = try? FaceNetwork()
        func perSample(_ body: (AnalysisImage) throws(DetectError) -> Void) throws(DetectError) -> Double {
            let start = threadSeconds()
            for frame in frames { try body(frame) }
            return 1000 * (threadSeconds() - start) / Double(max(1, frames.count))
        }
        var hogOnly = try FaceDetector(settings: settings, model: model, network: .some(nil))
        let hogDetectorMs = try perSample { frame throws(DetectError) in _ = try hogOnly?.inspect(frame) }
        let canvases = try frames.map { frame throws(DetectError) in try FaceDetector.canvas(frame) }
        let start = threadSeconds()
        for canvas in canvases { _ = try model.detect(canvas, adjustThreshold: FaceDetector.Defaults.trackedThreshold) }
        let hogMs = 1000 * (threadSeconds() - start) / Double(max(1, canvases.count))
        var detectorMs: Double?, networkMs: Double?
        if let network {
            var withNetwork = try FaceDetector(settings: settings, model: model, network: .some(network))
            detectorMs = try perSample { frame throws(DetectError) in _ = try withNetwork?.inspect(frame) }
            networkMs = try perSample { frame throws(DetectError) in _ = try network.detect(frame) }
        }
        return Result(samples: samples, engine: FaceEngine.available().description, detectorMs: detectorMs,
                      hogDetectorMs: hogDetectorMs, networkMs: networkMs, hogMs: hogMs)
    }

    private static func threadSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
