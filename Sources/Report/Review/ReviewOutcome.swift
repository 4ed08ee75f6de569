import Foundation
import ProctorModel

/// A review as the report shows it: who reviewed and when, whether the file checked out, each
/// flag's decision, and the score once dismissed flags are left out (with the reviewer's
/// weights). The original score stays in `ReportModel.suspicion`.
public struct ReviewOutcome: Sendable, Equatable {
    public var status: ReviewFile.Checked.Status
    /// The sentence the report prints (names the signer, or says why nothing was used).
    public var line: String
    public var reviewer: String?
    public var reviewedAt: String?
    public var reviewed: Bool
    public var note: String
    /// Decisions by the flag's index in `ReportModel.timeline`; empty unless `status` is valid.
    public var decisions: [Int: ReviewDocument.FlagReview]
    /// The score after review; nil unless `status` is valid.
    public var score: Double?
    public var weightsLine: String?

    /// Applies a checked review to `model`: decisions are matched to its flags, and `rescore`
    /// scores the timeline without the dismissed flags under the reviewer's weights.
    static func make(_ checked: ReviewFile.Checked, model: ReportModel,
                     rescore: (_ events: [TimelineEvent], _ weights: ReviewWeights) -> Double) -> ReviewOutcome {
        guard checked.status == .valid, let document = checked.document else {
            return ReviewOutcome(status: checked.status, line: checked.line, reviewer: checked.signer?.name,
                                 reviewedAt: checked.document?.reviewedAt, reviewed: false, note: "", decisions: [:])
        }
        var decisions: [Int: ReviewDocument.FlagReview] = [:]
        for (index, event) in model.flagged { decisions[index] = document.decision(for: event) }
        let kept = model.timeline.enumerated().filter { decisions[$0.offset]?.disposition != .dismiss }.map(\.element)
        return ReviewOutcome(status: .valid, line: checked.line, reviewer: checked.signer?.name, reviewedAt: document.reviewedAt,
                             reviewed: document.attempt.reviewed, note: document.attempt.note, decisions: decisions,
                             score: rescore(kept, document.weights), weightsLine: document.weights.line)
    }

    /// The same, scored with the detectors' formula under the exam's `detection` settings.
    static func make(_ checked: ReviewFile.Checked, model: ReportModel, detection: DetectionSettings) -> ReviewOutcome {
        make(checked, model: model) { events, weights in
            ReviewOutcome.score(events, duration: model.duration, detection: detection, weights: weights)
        }
    }

    /// The score of `events` with `weights` over the exam's settings.
    static func score(_ events: [TimelineEvent], duration: Double, detection: DetectionSettings, weights: ReviewWeights) -> Double {
        let kinds = events.filter { $0.severity == .flag }.map(\.kind)
        return ReportScoring.scorer(weights.apply(to: detection, kinds: kinds))(events, duration).0.score
    }

    public var dismissedCount: Int { decisions.values.filter { $0.disposition == .dismiss }.count }
}
