import Foundation
import ProctorModel

/// CPU per face sample, for `make bench` (`proctor bench-faces`): the whole `FaceDetector` at
/// default settings (landmarks included) with the CNN first and with HOG alone, and each
/// detector's own call, on one thread, on a picture as the capture feed offers it
/// (`FaceDetector.analysis`) with fresh sensor noise every sample.
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

    /// `frame`: gray, at the size the feed gives the face detector.
    public static func run(frame: AnalysisImage, samples: Int) throws(ProctorError) -> Result {
        guard frame.format == .gray8 else { throw ProctorError(.usage, "the benchmark picture must be gray") }
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
        func perSample(_ body: (AnalysisImage) throws(ProctorError) -> Void) throws(ProctorError) -> Double {
            let start = threadSeconds()
            for frame in frames { try body(frame) }
            return 1000 * (threadSeconds() - start) / Double(max(1, frames.count))
        }
        var hogOnly = try FaceDetector(settings: settings, model: model, network: .some(nil))
        let hogDetectorMs = try perSample { frame throws(ProctorError) in _ = try hogOnly?.inspect(frame) }
        let canvases = frames.map { FaceDetector.canvas($0) }
        let start = threadSeconds()
        for canvas in canvases { _ = try model.detect(canvas, adjustThreshold: FaceDetector.Defaults.trackedThreshold) }
        let hogMs = 1000 * (threadSeconds() - start) / Double(max(1, canvases.count))
        var detectorMs: Double?, networkMs: Double?
        if let network {
            var withNetwork = try FaceDetector(settings: settings, model: model, network: .some(network))
            detectorMs = try perSample { frame throws(ProctorError) in _ = try withNetwork?.inspect(frame) }
            networkMs = try perSample { frame throws(ProctorError) in _ = try network.detect(frame) }
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
