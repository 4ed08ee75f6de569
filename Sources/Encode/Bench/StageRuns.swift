import ProctorModel
import Synchronization

/// Stages of the recording pipeline run on fixed input as fast as they go (no pacing, no
/// capture threads), for `make bench`'s instruction counts under callgrind: a change to one
/// stage shows in its own row (docs/benchmarks.md, "Cost per stage").
package enum StageRuns {
    /// Encodes the first `seconds` of the video in `file` with the camera encoder at `video`
    /// into Matroska in memory, as a session does between capture and sealing. Frames are placed
    /// at n / fps. Returns the frames encoded.
    package static func encode(file: String, video: RecordingSettings.Video, preset: String, seconds: Double) throws(ProctorError) -> Int {
        let input = try InputMedia(format: nil, url: file, options: [:], type: .video)
        let sink = MemorySink()
        let muxer = try MatroskaMuxer(sink: sink, clusterMilliseconds: RecordingSettings().clusterMilliseconds)
        let encoder = try VideoEncoder(video, preset: preset, muxer: muxer, title: "camera")
        try muxer.start(title: "proctor stage run")
        let frame = Frame()
        let count = Int(seconds * Double(video.framesPerSecond))
        var encoded = 0
        while encoded < count, try input.nextFrame(into: frame) {
            try encoder.encode(frame, time: Double(encoded) / Double(video.framesPerSecond))
            frame.unref()
            encoded += 1
        }
        try encoder.flush()
        try muxer.finish()
        return encoded
    }

    /// Scales the frames of `file` due at `request.framesPerSecond` (of a source at
    /// `sourceFramesPerSecond`) for the detectors, as the analysis feed does, for `seconds`.
    /// Returns the pictures made.
    package static func scaleForAnalysis(file: String, request: AnalysisRequest, sourceFramesPerSecond: Double,
                                         seconds: Double) throws(ProctorError) -> [AnalysisImage] {
        let input = try InputMedia(format: nil, url: file, options: [:], type: .video)
        let tap = CollectingTap()
        var settings = RecordingSettings()
        settings.analysis = request
        let feed = AnalysisFeed(tap: tap, settings: settings)
        let frame = Frame()
        let count = Int(seconds * sourceFramesPerSecond)
        var read = 0
        while read < count, try input.nextFrame(into: frame) {
            try feed.offer(frame, time: Double(read) / sourceFramesPerSecond)
            frame.unref()
            read += 1
        }
        return tap.images
    }
}

/// Keeps the pictures the feed offers.
private final class CollectingTap: AnalysisTap, Sendable {
    private let kept = Synchronization.Mutex<[AnalysisImage]>([])
    var images: [AnalysisImage] { kept.withLock { $0 } }
    func offer(_ image: AnalysisImage) { kept.withLock { $0.append(image) } }
    func offer(_ audio: AudioBlock) {}
}
