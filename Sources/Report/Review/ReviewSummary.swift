import Foundation
import ProctorModel
import Seal

/// What the class view needs of one attempt, without its content: facts, the flags and coverage
/// spans (to score it again under other weights), the exam's detection settings. Cached by the
/// bundle's SHA-256 (`ReviewSummaryCache`) so a class opens without verifying every bundle again;
/// the attempt itself is opened, and verified, when the reviewer looks at it.
public struct ReviewSummary: Codable, Sendable, Equatable {
    public static let currentFormat = "proctor-review-summary-v1"

    public var format = ReviewSummary.currentFormat
    public let sha256: String
    public let sessionId: String
    public let student: String
    public let exam: String
    public let startedAt: Date?
    public let duration: Double
    /// Flags and coverage spans only.
    public let events: [TimelineEvent]
    public let detection: DetectionSettings
    /// The integrity status (`ReportModel.Integrity.Status`), or why the bundle could not be checked.
    public var integrity: String
    public let examIssuer: String
    /// The lowest share of the session any detector could evaluate (0...1).
    public let coverage: Double
    /// Under the exam's signed weights, every flag counted (what `proctor export` prints).
    public let examScore: Double

    public init(_ attempt: ReviewAttempt) {
        self.init(attempt.model, sha256: attempt.sha256, sessionId: attempt.sessionId, detection: attempt.detection)
    }

    /// `sha256` empty: not verified yet (`firstLook`).
    init(_ model: ReportModel, sha256: String, sessionId: String, detection: DetectionSettings) {
        self.sha256 = sha256
        self.sessionId = sessionId
        student = model.student.id
        exam = model.exam.id
        startedAt = model.startedAt
        duration = model.duration
        events = model.timeline.filter { $0.severity != .info }
        self.detection = detection
        integrity = model.integrity.status.rawValue
        examIssuer = model.provenance.exam.status.rawValue
        coverage = model.coverage.map(\.fraction).min() ?? 1
        examScore = model.suspicion.score
    }

    /// A first look at a bundle, for the class list before it is verified: the header, metadata
    /// and timeline records are read and authenticated, the media and photo records skipped
    /// (save each part's last media record, for where it ends), so it costs a walk over the
    /// records' frame headers whatever the recording's length. Nothing is hashed: `sha256` is
    /// empty and `integrity` is "not yet checked" (or "failed" when a record that was read
    /// failed). Never cached; `ReviewLibrary` verifies the bundle in the background.
    public static func firstLook(_ url: URL, key: BundleKey, examFolders: [URL], trust: ExamTrust,
                                 spoolInside directory: URL) throws(ProctorError) -> ReviewSummary {
        let exams = ExamIndex(directories: ExamIndex.directories(given: examFolders, environment: ProcessInfo.processInfo.environment))
        let session = try BundleSession.read(url, key: key, spoolInside: directory, exams: exams, trust: trust, media: .skipped)
        return ReviewSummary(session.model(spoolInside: directory), sha256: "", sessionId: session.sessionId, detection: session.detection)
    }

    /// Verified (and hashed): `firstLook` summaries are not.
    public var isChecked: Bool { !sha256.isEmpty }

    /// The score under `weights`, leaving out the flags `review` dismissed.
    public func score(weights: ReviewWeights, review: ReviewDocument?) -> Double {
        let kept = events.filter { review?.decision(for: $0)?.disposition != .dismiss }
        return ReviewOutcome.score(kept, duration: duration, detection: detection, weights: weights)
    }

    /// Flagged minutes per kind.
    public var flaggedMinutes: [String: Double] {
        events.filter { $0.severity == .flag }.reduce(into: [:]) { $0[$1.kind, default: 0] += max(0, ($1.end ?? $1.start) - $1.start) / 60 }
    }
}

/// Summaries on disk, one JSON file per bundle SHA-256, in the user's cache folder
/// (`$XDG_CACHE_HOME/proctor/review`, default `~/.cache/proctor/review`), folder 0700 and files
/// 0600: they hold no media, but a student's flags are still personal data. A summary that does
/// not parse, or names another SHA-256, is ignored and made again.
public struct ReviewSummaryCache: Sendable {
    public let directory: URL?

    public init(directory: URL?) { self.directory = directory }

    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let cache = environment["XDG_CACHE_HOME"], cache.hasPrefix("/") {
            return URL(fileURLWithPath: cache).appendingPathComponent("proctor/review")
        }
        let home = environment["HOME"].map { URL(fileURLWithPath: $0) } ?? FileManager.default.homeDirectoryForCurrentUser
        return home.appendingPathComponent(".cache/proctor/review")
    }

    public func load(sha256: String) -> ReviewSummary? {
        guard let file = file(sha256), let data = FileManager.default.contents(atPath: file.path),
              let summary = try? Self.decoder.decode(ReviewSummary.self, from: data),
              summary.format == ReviewSummary.currentFormat, summary.sha256 == sha256 else { return nil }
        return summary
    }

    /// Best effort: a cache that cannot be written only makes the next start slower.
    public func store(_ summary: ReviewSummary) {
        guard let directory, let file = file(summary.sha256) else { return }
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        guard let data = try? Self.encoder.encode(summary) else { return }
        Self.writePrivately(data, to: file)
    }

    /// Writes `data` to `file` (0600) through a temporary file renamed over it, so a reader
    /// sees the old file or the new one, never half of one.
    static func writePrivately(_ data: Data, to file: URL) {
        let temporary = file.deletingLastPathComponent().appendingPathComponent(".\(file.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: data, attributes: [.posixPermissions: 0o600]) else { return }
        if rename(temporary.path, file.path) != 0 { unlink(temporary.path) }
    }

    private func file(_ sha256: String) -> URL? {
        guard let directory, sha256.count == 64, sha256.allSatisfy(\.isHexDigit) else { return nil }
        return directory.appendingPathComponent(sha256 + ".json")
    }

    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    private static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
