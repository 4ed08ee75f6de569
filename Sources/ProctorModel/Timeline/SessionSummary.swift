import Foundation

/// What a reviewer reads first: time flagged per kind, a weighted suspicion score and how much
/// of the exam each detector could actually judge. docs/detectors.md gives the formula.
public struct SessionSummary: Codable, Sendable, Equatable {
    public struct Kind: Codable, Sendable, Equatable {
        /// Seconds covered by this kind's flag intervals (overlaps counted once).
        public var seconds: Double
        /// Flag events of this kind, intervals and instants.
        public var count: Int
        /// 0...1: how much of the exam this kind accounts for (instants: `instantShare` each).
        public var share: Double
        /// The weight it was scored with (0 when exempt or switched off).
        public var weight: Double
    }

    public var duration: Double
    /// Per flagged kind.
    public var kinds: [String: Kind]
    /// 0 (nothing flagged) ... 100.
    public var score: Double
    /// Per detector id: share of exam time it could evaluate, 0...1.
    public var coverage: [String: Double]
    public var framesSkipped: Int

    /// One instant event (a scene change, a network change, a VM) counts as this share of
    /// the exam; five of one kind saturate it.
    public static let instantShare = 0.2

    public init(duration: Double, kinds: [String: Kind], score: Double, coverage: [String: Double], framesSkipped: Int) {
        self.duration = duration
        self.kinds = kinds
        self.score = score
        self.coverage = coverage
        self.framesSkipped = framesSkipped
    }

    /// score = 100 · (1 − Π_k (1 − share_k)^weight_k) over flagged kinds: each kind is an
    /// independent piece of evidence, a kind present all exam long (share 1, weight > 0) scores
    /// 100, weight 0 shows events but scores nothing, and coverage events never count.
    /// Open events (sealed while their condition went on) count once: superseded by their
    /// closing event, or, left without one, running to `duration` unless the caller already
    /// resolved them to their part's end (`TimelineEvent.resolvingOpen`).
    public static func compute(events: [TimelineEvent], duration: Double, settings: DetectionSettings) -> SessionSummary {
        let length = max(duration, 0)
        let events = TimelineEvent.resolvingOpen(events) { _, event in event.end ?? length }
        var intervals: [String: [(Double, Double)]] = [:]
        var instants: [String: Int] = [:]
        for event in events where event.severity == .flag {
            if let end = event.end, end > event.start {
                intervals[event.kind, default: []].append((max(0, event.start), min(end, length)))
            } else {
                instants[event.kind, default: 0] += 1
            }
        }
        var kinds: [String: Kind] = [:]
        var keep = 1.0
        for kind in Set(intervals.keys).union(instants.keys) {
            let seconds = union(intervals[kind] ?? [])
            let count = (intervals[kind]?.count ?? 0) + (instants[kind] ?? 0)
            let share = min(1, (length > 0 ? seconds / length : 0) + Double(instants[kind] ?? 0) * instantShare)
            let weight = max(0, settings.config(for: kind)?.weight ?? 0)
            kinds[kind] = Kind(seconds: seconds, count: count, share: share, weight: weight)
            keep *= pow(1 - share, weight)
        }

        // A resumed session has one runner, so one coverage record per detector, per part: sum them.
        var evaluated: [String: Double] = [:]
        for event in events where event.kind == "detector.coverage" {
            evaluated[event.detector, default: 0] += event.measured["evaluatedSeconds"] ?? 0
        }
        let coverage = evaluated.mapValues { length > 0 ? min(1, $0 / length) : 0 }
        let totals = events.filter { $0.kind == "detect.skipped" }
        let skippedTotal = totals.isEmpty ? nil : totals.reduce(0) { $0 + ($1.measured["frames"] ?? 0) }
        let skippedLag = events.filter { $0.kind == "detect.lag" }.reduce(0) { $0 + ($1.measured["frames"] ?? 0) }
        return SessionSummary(duration: length, kinds: kinds, score: (100 * (1 - keep) * 10).rounded() / 10,
                              coverage: coverage, framesSkipped: Int(skippedTotal ?? skippedLag))
    }

    /// Total length of possibly overlapping intervals.
    static func union(_ intervals: [(Double, Double)]) -> Double {
        var total = 0.0, currentStart = -Double.infinity, currentEnd = -Double.infinity
        for (start, end) in intervals.sorted(by: { $0.0 < $1.0 }) where end > start {
            if start > currentEnd {
                if currentEnd > currentStart { total += currentEnd - currentStart }
                currentStart = start
                currentEnd = end
            } else {
                currentEnd = max(currentEnd, end)
            }
        }
        if currentEnd > currentStart { total += currentEnd - currentStart }
        return total
    }
}
