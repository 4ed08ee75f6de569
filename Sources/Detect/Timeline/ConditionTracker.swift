/// Turns per-sample yes/no judgements into timeline intervals: a condition becomes an event
/// once it has held for `minimumSeconds`, and a break shorter than `gapSeconds` (one missed
/// detection, a breath between words) does not end it. Start is the first sample where it
/// held, end the first sample where it stopped, so both edges are as exact as the sampling.
///
/// Each condition is sealed twice: once open, the moment it has held for `minimumSeconds`
/// (kind, start, what was measured so far, evidence time, no end), and again when it ends. A
/// bundle cut before the end (kill -9, a truncated file) therefore still holds every flag that
/// had started; the reader shows it running to the end of its part (docs/bundle-format.md).
import ProctorModel

struct ConditionTracker {
    let kind: String
    let detector: String
    let severity: TimelineEvent.Severity
    let minimumSeconds: Double
    let gapSeconds: Double
    var thresholds: [String: Double]
    /// (duration, mean measured values) -> the reviewer's sentence.
    let describe: (Double, [String: Double]) -> String

    private var start: Double?
    private var breakStart: Double?
    private var heldSamples = 0
    private var breakSamples = 0
    private var otherSamples = 0
    private var sums: [String: Double] = [:]
    private var evidence: Double?
    /// The open event for the current condition has been returned.
    private var opened = false
    private var lastHeld = 0.0
    var subject: String?

    init(kind: String, detector: String, severity: TimelineEvent.Severity = .flag, minimumSeconds: Double,
         gapSeconds: Double, thresholds: [String: Double] = [:],
         describe: @escaping (Double, [String: Double]) -> String) {
        self.kind = kind
        self.detector = detector
        self.severity = severity
        self.minimumSeconds = minimumSeconds
        self.gapSeconds = gapSeconds
        self.thresholds = thresholds
        self.thresholds["minimumSeconds"] = minimumSeconds
        self.describe = describe
    }

    var isOpen: Bool { start != nil }

    /// Feeds one sample; returns the open event when this sample makes the condition long
    /// enough, the closing event when it ends a long-enough condition, otherwise nil.
    mutating func update(at time: Double, holds: Bool, measured: [String: Double] = [:]) -> TimelineEvent? {
        if holds {
            if start == nil { start = time }
            if breakStart != nil {
                otherSamples += breakSamples
                breakStart = nil
                breakSamples = 0
            }
            heldSamples += 1
            lastHeld = time
            for (key, value) in measured { sums[key, default: 0] += value }
            // Half a second in, the picture shows the condition rather than the moment it began.
            if evidence == nil, let start, time - start >= 0.5 { evidence = time }
            if !opened, let start, time - start >= minimumSeconds {
                opened = true
                return event(start: start, end: nil, open: true)
            }
            return nil
        }
        guard start != nil else { return nil }
        if breakStart == nil { breakStart = time }
        breakSamples += 1
        if let breakStart, time - breakStart >= gapSeconds { return close(at: breakStart) }
        return nil
    }

    /// Ends the condition at the session's end (or where its last break began).
    mutating func finish(at time: Double) -> TimelineEvent? {
        close(at: breakStart ?? time)
    }

    private mutating func close(at end: Double) -> TimelineEvent? {
        defer {
            start = nil
            breakStart = nil
            heldSamples = 0
            breakSamples = 0
            otherSamples = 0
            sums = [:]
            evidence = nil
            opened = false
        }
        guard let start, end - start >= minimumSeconds, heldSamples > 0 else { return nil }
        return event(start: start, end: end, open: nil)
    }

    /// The condition as measured so far: closed at `end`, or open (its length so far is up to
    /// the last sample that held, which is where `update` calls it).
    private func event(start: Double, end: Double?, open: Bool?) -> TimelineEvent {
        var means = sums.mapValues { $0 / Double(heldSamples) }
        means["samples"] = Double(heldSamples)
        let confidence = Double(heldSamples) / Double(heldSamples + otherSamples)
        let seconds = (end ?? lastHeld) - start
        if end == nil { means["secondsSoFar"] = seconds }
        return TimelineEvent(kind: kind, detector: detector, severity: severity, start: start, end: end,
                             confidence: confidence, evidenceTime: evidence ?? start, measured: means,
                             thresholds: thresholds, message: describe(seconds, means), subject: subject, open: open)
    }
}

/// Counts the media time in which a detector could judge, for the summary's coverage.
struct CoverageClock {
    private var last: Double?
    private var lastEvaluated = false
    /// Gaps longer than this (dropped frames, a stalled camera) are not credited as evaluated.
    let maximumStep: Double
    private(set) var seconds = 0.0

    init(maximumStep: Double) { self.maximumStep = maximumStep }

    mutating func sample(at time: Double, evaluated: Bool) {
        if let last, lastEvaluated { seconds += min(max(0, time - last), maximumStep) }
        last = time
        lastEvaluated = evaluated
    }

    mutating func finish(at time: Double) { sample(at: time, evaluated: false) }
}
