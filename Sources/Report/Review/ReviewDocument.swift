import Foundation
import ProctorModel

/// What an instructor decided about one attempt, as stored in `NAME.proctor.review.json` beside
/// the bundle and signed with their Ed25519 key (docs/review.md). Every value is plain text or a
/// whole number (times in milliseconds, weights as decimal strings) so that its canonical bytes
/// (`canonicalBytes`) are the same whoever re-encodes it.
public struct ReviewDocument: Codable, Sendable, Equatable {
    public static let format = "proctor-review-v1"

    public var format: String
    public var bundle: BundleReference
    public var reviewer: Reviewer
    /// ISO 8601 UTC to the second, e.g. `2026-12-03T17:02:11Z`.
    public var reviewedAt: String
    public var attempt: Attempt
    public var weights: ReviewWeights
    /// One entry per flag the reviewer decided on, in time order; a flag without one is undecided.
    public var flags: [FlagReview]

    public init(bundle: BundleReference, reviewer: Reviewer, reviewedAt: Date, attempt: Attempt = Attempt(),
                weights: ReviewWeights = ReviewWeights(), flags: [FlagReview] = []) {
        format = Self.format
        self.bundle = bundle
        self.reviewer = reviewer
        self.reviewedAt = Self.timestamp(reviewedAt)
        self.attempt = attempt
        self.weights = weights
        self.flags = flags.sorted { ($0.startMilliseconds, $0.kind) < ($1.startMilliseconds, $1.kind) }
    }

    /// The bundle the review is about: its session and the SHA-256 of its bytes, so a review is
    /// never shown against another recording (a retake, a re-delivered copy).
    public struct BundleReference: Codable, Sendable, Equatable {
        public var sessionId: String
        public var studentId: String
        public var examId: String
        /// Lowercase hex SHA-256 of the whole bundle file.
        public var sha256: String
        public init(sessionId: String, studentId: String, examId: String, sha256: String) {
            self.sessionId = sessionId
            self.studentId = studentId
            self.examId = examId
            self.sha256 = sha256
        }
    }

    /// Who signed: the instructor's public key line (`proctor-pub-v2 NAME ...`, docs/keys.md).
    public struct Reviewer: Codable, Sendable, Equatable {
        public var name: String
        public var key: String
        public init(name: String, key: String) { self.name = name; self.key = key }
    }

    public struct Attempt: Codable, Sendable, Equatable {
        public var reviewed: Bool
        public var note: String
        public init(reviewed: Bool = false, note: String = "") { self.reviewed = reviewed; self.note = note }
    }

    public enum Disposition: String, Codable, Sendable, CaseIterable {
        /// The reviewer saw it and agrees it needs attention.
        case confirm
        /// Not misconduct (a false detection, an allowed action): struck through and left out of the score.
        case dismiss
        /// Needs someone to follow up (ask the student, look at the exam paper).
        case followUp = "follow-up"

        public var label: String {
            switch self {
            case .confirm: "CONFIRMED"
            case .dismiss: "DISMISSED"
            case .followUp: "FOLLOW-UP"
            }
        }
    }

    /// A flag is named by its kind and its start in media milliseconds: both are sealed in the
    /// bundle and do not change between reads.
    public struct FlagReview: Codable, Sendable, Equatable {
        public var kind: String
        public var startMilliseconds: Int
        public var disposition: Disposition
        public var note: String
        public init(kind: String, start: Double, disposition: Disposition, note: String = "") {
            self.kind = kind
            self.startMilliseconds = Self.milliseconds(start)
            self.disposition = disposition
            self.note = note
        }

        public static func milliseconds(_ seconds: Double) -> Int { Int((seconds * 1000).rounded()) }

        public func matches(_ event: TimelineEvent) -> Bool {
            event.severity == .flag && event.kind == kind && Self.milliseconds(event.start) == startMilliseconds
        }
    }

    /// The review for `event`, if the reviewer decided on it.
    public func decision(for event: TimelineEvent) -> FlagReview? { flags.first { $0.matches(event) } }

    public var reviewedDate: Date? { ISO8601DateFormatter().date(from: reviewedAt) }

    /// What the signature covers: the domain line `proctor-review-v1` and a newline, then the
    /// document as JSON with keys sorted, no whitespace and no escaped slashes. Decoding and
    /// encoding again gives the same bytes, so a verifier needs no copy of the signer's text.
    public var canonicalBytes: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Only strings, whole numbers and booleans: encoding cannot fail.
        return Array((Self.format + "\n").utf8) + Array(try! encoder.encode(self))
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)))
    }
}

/// Weights the reviewer chose after the exam. `preset` scales the exam's signed weights
/// (lenient halves them, strict doubles them); `kinds` then sets single kinds outright. The
/// exam's own weights stay the default and are always shown beside.
public struct ReviewWeights: Codable, Sendable, Equatable {
    public enum Preset: String, Codable, Sendable, CaseIterable {
        case lenient, `default`, strict
        public var factor: Double {
            switch self {
            case .lenient: 0.5
            case .default: 1
            case .strict: 2
            }
        }
    }

    public var preset: Preset
    /// Kind -> weight as a decimal string ("1.5"): text, so the signed bytes never depend on
    /// how a JSON library prints a floating-point number.
    public var kinds: [String: String]

    public init(preset: Preset = .default, kinds: [String: Double] = [:]) {
        self.preset = preset
        self.kinds = kinds.mapValues { $0 == $0.rounded() && abs($0) < 1e9 ? String(Int($0)) : String($0) }
    }

    public var isExamDefault: Bool { preset == .default && kinds.isEmpty }

    /// The exam's settings with these weights in force.
    public func apply(to settings: DetectionSettings, kinds catalog: [String]) -> DetectionSettings {
        var result = settings
        for kind in Set(catalog).union(settings.behaviours.keys).union(kinds.keys) {
            var config = result.behaviours[kind] ?? DetectorConfig()
            config.weight *= preset.factor
            if let text = kinds[kind], let weight = Double(text), weight.isFinite, weight >= 0 { config.weight = weight }
            result.behaviours[kind] = config
        }
        return result
    }

    /// "strict (exam weights × 2); face.missing 3" for the report.
    public var line: String {
        var text = preset == .default ? "the exam's weights" : "\(preset.rawValue) (exam weights × \(ReportFormat.number(preset.factor)))"
        if !kinds.isEmpty { text += "; " + kinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") }
        return text
    }
}
