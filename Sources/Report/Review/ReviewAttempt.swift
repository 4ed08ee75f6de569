import Encode
import Foundation
import ProctorModel
import Seal

/// One bundle opened for `proctor review`: verified record by record like `proctor export`, its
/// report model (timeline, photos, parts, settings; no evidence frames: the browser shows the
/// video itself), its review file, and random access to its recorded media.
// @unchecked: not thread-safe by itself (a mutable review, spool descriptors); the review app's
// `ReviewLibrary` is its one owner and touches it only inside its Mutex.
public final class ReviewAttempt: @unchecked Sendable {
    public let bundle: URL
    public private(set) var model: ReportModel
    public let sessionId: String
    /// Lowercase hex SHA-256 of the bundle file, which the review file is bound to.
    public let sha256: String
    /// The exam's settings for this student (its signed weights are the default).
    public let detection: DetectionSettings
    public private(set) var review: ReviewFile.Checked?
    private let collector: SessionCollector
    private let trust: ExamTrust
    /// Decodes a flag's evidence frames from the sealed media (one GOP each, as for the PDF).
    /// Made on first use: its index pass decrypts and demuxes every media record again, which
    /// the class list and the attempt's facts do not need (parts come from the sealed
    /// `mediaEnd`s).
    private var extractor: EvidenceExtractor?

    /// `examFolders` and `trust` as for `proctor export` (docs/export.md).
    /// `sha256`: the bundle's, when the caller has hashed it already; otherwise the one the
    /// verifying pass computed from the bytes it read.
    public init(_ url: URL, key: BundleKey, examFolders: [URL], trust: ExamTrust, spoolInside directory: URL,
                sha256 known: String? = nil) throws(ProctorError) {
        let exams = ExamIndex(directories: ExamIndex.directories(given: examFolders, environment: ProcessInfo.processInfo.environment))
        let session = try BundleSession.read(url, key: key, spoolInside: directory, exams: exams, trust: trust, media: .sealed)
        let model = session.model(spoolInside: directory)
        bundle = url
        sessionId = session.sessionId
        // The verifying pass hashed every byte it read: no second read unless it stopped early.
        if let known { sha256 = known } else if let hashed = session.fileSHA256 { sha256 = hashed } else { sha256 = try ReviewFile.sha256(ofFile: url) }
        detection = session.detection
        collector = session.collector
        self.trust = trust
        self.model = model
        reload()
    }

    /// Reads the review file again (after a save, or an edit made meanwhile).
    public func reload() {
        review = ReviewFile.read(ReviewFile.url(forBundle: bundle), bundleSHA256: sha256, sessionId: sessionId, trust: trust)
        model.review = review.map { ReviewOutcome.make($0, model: model, detection: detection) }
    }

    /// The score with `weights`, leaving out the flags at `dismissed` (indexes into the timeline).
    public func score(weights: ReviewWeights, dismissed: Set<Int> = []) -> Double {
        let kept = model.timeline.enumerated().filter { !dismissed.contains($0.offset) }.map(\.element)
        return ReviewOutcome.score(kept, duration: model.duration, detection: detection, weights: weights)
    }

    /// Signs and writes the review file beside the bundle, then reads it back.
    public func save(attempt: ReviewDocument.Attempt, flags: [ReviewDocument.FlagReview], weights: ReviewWeights,
                     identity: InstructorIdentity, at date: Date = Date()) throws(ProctorError) {
        let document = ReviewDocument(
            bundle: .init(sessionId: sessionId, studentId: model.student.id, examId: model.exam.id, sha256: sha256),
            reviewer: .init(name: identity.name, key: identity.recipientKey.line), reviewedAt: date,
            attempt: attempt, weights: weights, flags: flags)
        try ReviewFile.write(document, signedBy: identity, to: ReviewFile.url(forBundle: bundle))
        reload()
    }

    /// The recorded Matroska stream of `part` (nil when it recorded no media).
    public func media(part: Int) throws(ProctorError) -> sending MediaByteSource? {
        guard let spool = collector.spools[part], spool.size > 0 else { return nil }
        return try spool.source()
    }

    /// The parts that recorded media, in order.
    public var mediaParts: [Int] { collector.spools.filter { $0.value.size > 0 }.keys.sorted() }

    /// The evidence frames of the flag at `index` in the timeline (camera and screen, JPEG), as
    /// the PDF shows them; empty for anything that is not a flag.
    public func evidenceFrames(flag index: Int, maxWidth: Int = 480) -> [ReportModel.EvidenceFrame] {
        guard model.timeline.indices.contains(index), model.timeline[index].severity == .flag else { return [] }
        return evidence().frames(for: model.timeline[index], maxWidth: maxWidth)
    }

    /// The microphone trace: the timeline's level events, else read from the recorded audio
    /// (the evidence index pass, made now if it was not yet).
    public var audioLevels: [ReportModel.AudioLevel] {
        if model.audioLevels.isEmpty, extractor == nil { model.audioLevels = evidence().levels }
        return model.audioLevels
    }

    private func evidence() -> EvidenceExtractor {
        if let extractor { return extractor }
        let made = EvidenceExtractor(collector.spools)
        extractor = made
        return made
    }
}
