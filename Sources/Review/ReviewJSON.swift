import Foundation
import ProctorModel
import Report

/// One row of the class view.
struct AttemptSummary: Encodable {
    let id: Int
    let student: String
    let exam: String
    let startedAt: Date?
    let durationSeconds: Double
    /// Under the weights asked for, dismissed flags left out when the review is valid.
    let score: Double
    /// Under the exam's signed weights, every flag counted: the score `proctor export` prints.
    let examScore: Double
    var zScore: Double?
    var percentile: Double = 0
    /// Flagged minutes per kind (overlaps within a kind counted once).
    let flaggedMinutes: [String: Double]
    let integrity: String
    let examIssuer: String
    /// The lowest share of the session any detector could evaluate (0...1).
    let coverage: Double
    /// "reviewed", "in progress", "not reviewed" or the review file's problem ("tampered", ...).
    let reviewStatus: String

    /// `reviewPending`: a review file is there but the bundle is not verified yet, so it cannot
    /// be checked against the bundle's SHA-256 and is not used.
    init(_ summary: ReviewSummary, review checked: ReviewFile.Checked?, reviewPending: Bool = false, id: Int, weights: ReviewWeights?) {
        let valid = checked?.status == .valid ? checked?.document : nil
        self.id = id
        student = summary.student
        exam = summary.exam
        startedAt = summary.startedAt
        durationSeconds = summary.duration
        score = summary.score(weights: weights ?? valid?.weights ?? ReviewWeights(), review: valid)
        examScore = summary.examScore
        flaggedMinutes = summary.flaggedMinutes
        integrity = summary.integrity
        examIssuer = summary.examIssuer
        coverage = summary.coverage
        switch checked?.status {
        case nil: reviewStatus = reviewPending ? "review not yet checked" : "not reviewed"
        case .valid?: reviewStatus = valid?.attempt.reviewed == true ? "reviewed" : "in progress"
        case .tampered?: reviewStatus = "review tampered"
        case .untrustedSigner?: reviewStatus = "review by an untrusted key"
        case .otherBundle?: reviewStatus = "review for another bundle"
        }
    }
}

/// Everything the attempt view shows.
struct AttemptDetail: Encodable {
    struct Event: Encodable {
        let index: Int
        let kind: String
        let severity: String
        let start: Double
        let end: Double?
        let evidenceTime: Double?
        let message: String
        let measured: [String: Double]
        let thresholds: [String: Double]
        let disposition: String?
        let note: String?
    }
    struct Track: Encodable { let name: String; let mimeType: String? }

    let id: Int
    let student: String
    let exam: String
    let examTitle: String?
    let startedAt: Date?
    let durationSeconds: Double
    let score: Double
    let integrityLine: String
    let provenanceLines: [String]
    let parts: [ReportModel.Part]
    /// The parts with recorded media, which the player plays one after the other.
    let mediaParts: [Int]
    let settings: [ReportModel.Setting]
    let accommodations: [String]
    let photos: [String]
    let events: [Event]
    /// The exam's signed weights per flagged kind, shown beside the reviewer's.
    let examWeights: [String: Double]
    /// The microphone level, at most 600 [time, dBFS] pairs (the loudest of each stretch).
    let audioLevels: [[Double]]
    let review: Review?

    struct Review: Encodable {
        let status: String
        let line: String
        let reviewed: Bool
        let note: String
        let preset: String?
        let weights: [String: String]?
        let scoreAfterReview: Double?
    }

    init(_ attempt: ReviewAttempt, id: Int) {
        let model = attempt.model
        self.id = id
        student = model.student.id
        exam = model.exam.id
        examTitle = model.exam.title
        startedAt = model.startedAt
        durationSeconds = model.duration
        score = model.suspicion.score
        integrityLine = model.integrity.line
        provenanceLines = model.provenance.lines
        parts = model.parts
        mediaParts = attempt.mediaParts
        settings = model.settings
        accommodations = model.accommodations
        photos = [model.idPhoto == nil ? nil : "id", model.facePhoto == nil ? nil : "face"].compactMap { $0 }
        let decisions = model.review?.decisions ?? [:]
        events = model.timeline.enumerated().filter { $0.element.severity != .info }.map { index, event in
            Event(index: index, kind: event.kind, severity: event.severity.rawValue, start: event.start, end: event.end,
                  evidenceTime: event.evidenceTime, message: event.message, measured: event.measured, thresholds: event.thresholds,
                  disposition: decisions[index]?.disposition.rawValue, note: decisions[index]?.note)
        }
        examWeights = Dictionary(Set(model.flagged.map(\.event.kind)).map { ($0, attempt.detection.config(for: $0)?.weight ?? 0) },
                                 uniquingKeysWith: { a, _ in a })
        let levels = attempt.audioLevels, stride = max(1, (levels.count + 599) / 600)
        audioLevels = Swift.stride(from: 0, to: levels.count, by: stride).map { start in
            let slice = levels[start..<min(levels.count, start + stride)]
            return [slice.first!.time, slice.map(\.dbfs).max()!]
        }
        let document = attempt.review?.document
        review = model.review.map {
            Review(status: $0.status.rawValue, line: $0.line, reviewed: $0.reviewed, note: $0.note,
                   preset: $0.status == .valid ? document?.weights.preset.rawValue : nil,
                   weights: $0.status == .valid ? document?.weights.kinds : nil, scoreAfterReview: $0.score)
        }
    }
}

/// `PUT /api/attempts/ID/review`.
struct ReviewBody: Decodable {
    struct Flag: Decodable {
        let kind: String
        let start: Double
        let disposition: ReviewDocument.Disposition
        let note: String
    }
    struct Weights: Decodable {
        let preset: ReviewWeights.Preset
        let kinds: [String: Double]
    }
    let reviewed: Bool
    let note: String
    let flags: [Flag]
    let weights: Weights?
}
