import ProctorModel

/// What a capture thread hands to the pipeline thread.
enum Captured: Sendable {
    /// A decoded picture in whatever size and pixel format the device gave; `time` is media
    /// time; `source` is `.camera` or `.screen`.
    case video(Frame, time: Double, source: SourceRole)
    /// Mono signed 16-bit samples at the recording rate, the first one at media time `time`.
    case audio([Int16], time: Double)
    /// Something worth a timeline entry (device lost, recovered, audio gap).
    case notice(RecordingNotice)
}

/// A session fact the pipeline observed, turned into a timeline event by the session.
public struct RecordingNotice: Sendable, Equatable {
    /// Dotted kind, e.g. "camera.lost", "camera.restored", "audio.gap", "video.dropped",
    /// "recording.failed".
    public let kind: String
    /// Which source; nil for the pipeline itself (an encoder or the sink failed).
    public let source: SourceRole?
    public let time: Double
    public let end: Double?
    public let measured: [String: Double]
    public let message: String

    public init(kind: String, source: SourceRole?, time: Double, end: Double? = nil, measured: [String: Double] = [:], message: String) {
        self.kind = kind
        self.source = source
        self.time = time
        self.end = end
        self.measured = measured
        self.message = message
    }
}
