/// What a capture thread hands to the pipeline thread.
enum Captured: Sendable {
    /// A decoded picture in whatever size and pixel format the device gave; `time` is media time.
    case video(Frame, time: Double, screen: Bool)
    /// Mono signed 16-bit samples at the recording rate, the first one at media time `time`.
    case audio([Int16], time: Double)
    /// Something worth a timeline entry (device lost, recovered, audio gap).
    case notice(RecordingNotice)
}

/// A session fact the pipeline observed, turned into a timeline event by the session.
public struct RecordingNotice: Sendable, Equatable {
    /// Dotted kind, e.g. "camera.lost", "camera.restored", "audio.gap", "video.dropped".
    public let kind: String
    /// Which source: "camera", "mic" or "screen".
    public let source: String
    public let time: Double
    public let end: Double?
    public let measured: [String: Double]
    public let message: String

    public init(kind: String, source: String, time: Double, end: Double? = nil, measured: [String: Double] = [:], message: String) {
        self.kind = kind
        self.source = source
        self.time = time
        self.end = end
        self.measured = measured
        self.message = message
    }
}
