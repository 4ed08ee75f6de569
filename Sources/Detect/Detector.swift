import ProctorModel


/// One check over sampled frames or audio, called from the runner's one thread in media-time
/// order, so it may keep state. A new detector is one new type plus one line in
/// `DetectorCatalog.detectors(for:)`.
public protocol Detector {
    /// Stable name written to the timeline as `TimelineEvent.detector`.
    static var id: String { get }
    /// How many frames per second it wants; 0 means it takes no frames. Audio detectors see
    /// every audio block.
    var samplesPerSecond: Double { get }
    mutating func inspect(_ image: AnalysisImage) throws(ProctorError) -> [TimelineEvent]
    mutating func inspect(_ audio: AudioBlock) throws(ProctorError) -> [TimelineEvent]
    /// Closes open intervals at the end of the session.
    mutating func finish(at time: Double) -> [TimelineEvent]
    /// Media seconds in which it could actually judge what it is for (fairness: a dark
    /// picture or a silent microphone is not evaluated time).
    var evaluatedSeconds: Double { get }
    /// True for a detector that also sees the room scan (media before the runner's
    /// `quietUntil`), which every other detector skips.
    var watchesRoomScan: Bool { get }
    /// Which source's pictures it inspects: camera detectors never see the screen's, and the
    /// screen detector never sees the camera's (`AnalysisImage.source`).
    var imageSource: SourceRole { get }
    /// Seconds between `tick(at:)` calls, for a detector that must notice pictures that do
    /// not come (a screen capture delivering nothing); nil: never ticked.
    var tickInterval: Double? { get }
    /// Called on the runner's thread with the session clock every `tickInterval`, whether or
    /// not a picture came.
    mutating func tick(at time: Double) -> [TimelineEvent]
}

extension Detector {
    public var samplesPerSecond: Double { 0 }
    public var watchesRoomScan: Bool { false }
    public var imageSource: SourceRole { .camera }
    public var tickInterval: Double? { nil }
    public mutating func tick(at time: Double) -> [TimelineEvent] { [] }
    public mutating func inspect(_ image: AnalysisImage) throws(ProctorError) -> [TimelineEvent] { [] }
    public mutating func inspect(_ audio: AudioBlock) throws(ProctorError) -> [TimelineEvent] { [] }
}

/// A check on the machine rather than the media (displays, processes, network, clock), sampled
/// every few seconds by the runner's timer.
public protocol SystemCheck {
    static var id: String { get }
    mutating func sample(at time: Double) -> [TimelineEvent]
    mutating func finish(at time: Double) -> [TimelineEvent]
}

extension SystemCheck {
    public mutating func finish(at time: Double) -> [TimelineEvent] { [] }
}
