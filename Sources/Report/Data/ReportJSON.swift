import Foundation
import Encode
import ProctorModel

/// The machine-readable report (schema `proctor.report/1`, specified in docs/report-schema.md):
/// the summary and the full timeline, for an LMS or a script. Field names are part of the schema;
/// they do not follow internal renames.
public enum ReportJSON {
    public static let schema = "proctor.report/1"

    public static func encode(_ model: ReportModel, standing: ClassStanding? = nil) throws(ProctorError) -> Data {
        let document = Document(model, standing: standing)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(document)
        } catch {
            throw ProctorError(.internalFailure, "could not encode the JSON report", detail: "\(error)")
        }
    }

    struct Document: Encodable {
        let schema = ReportJSON.schema
        let generator = "proctor \(ReportPDF.generatorVersion)"
        let student: ReportModel.Student
        let exam: ReportModel.Exam
        let startedAt: String?
        let endedAt: String?
        let durationSeconds: Double
        let parts: [Part]
        let gaps: [Gap]
        let integrity: Integrity
        let provenance: Provenance
        let practice: Bool
        let suspicion: Suspicion
        let coverage: [Coverage]
        let settings: [String: String]
        let accommodations: [String]
        let photos: Photos
        let timeline: [Event]
        let classStanding: ClassStanding?

        init(_ m: ReportModel, standing: ClassStanding?) {
            student = m.student
            exam = m.exam
            startedAt = ReportFormat.iso(m.startedAt)
            endedAt = ReportFormat.iso(m.endedAt)
            durationSeconds = m.duration
            parts = m.parts.map { Part(index: $0.index, startSeconds: $0.start, endSeconds: $0.end,
                                      startedAt: ReportFormat.iso($0.startedAt), endedAt: ReportFormat.iso($0.endedAt)) }
            gaps = m.gaps.map { Gap(afterPart: $0.afterPart, seconds: $0.seconds) }
            integrity = Integrity(status: m.integrity.status.rawValue, verified: m.integrity.verified, recordsVerified: m.integrity.recordsVerified,
                                  recordsRejected: m.integrity.recordsRejected, problems: m.integrity.problems, line: m.integrity.line)
            provenance = Provenance(m.provenance)
            practice = m.practice
            suspicion = Suspicion(score: m.suspicion.score, flaggedEvents: m.flagged.count, flaggedMinutes: m.flaggedMinutes,
                                  contributions: m.suspicion.contributions)
            coverage = m.coverage.map { Coverage(detector: $0.detector, evaluatedSeconds: $0.evaluatedSeconds,
                                                 totalSeconds: $0.totalSeconds, fraction: $0.fraction, note: $0.note) }
            settings = Dictionary(m.settings.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
            accommodations = m.accommodations
            photos = Photos(id: m.idPhoto != nil, face: m.facePhoto != nil)
            timeline = m.timeline.enumerated().map { Event($0.element, index: $0.offset, evidence: m.evidence[$0.offset] ?? []) }
            classStanding = standing
        }
    }

    struct Part: Encodable {
        let index: Int
        let startSeconds: Double
        let endSeconds: Double
        let startedAt: String?
        let endedAt: String?
    }

    struct Gap: Encodable {
        let afterPart: Int
        let seconds: Double?
    }

    struct Integrity: Encodable {
        let status: String
        let verified: Bool
        let recordsVerified: Int
        let recordsRejected: Int
        let problems: [String]
        let line: String
    }

    /// Where the bundle comes from, apart from `integrity`. `attestation` is always present,
    /// null until a collection server attests bundles (docs/report-schema.md).
    struct Provenance: Encodable {
        let exam: ReportModel.ExamIssuer
        let examLine: String
        let attestation: ReportModel.Attestation?
        let originAttested: Bool
        let originLine: String

        init(_ p: ReportModel.Provenance) {
            exam = p.exam
            examLine = p.exam.line
            attestation = p.attestation
            originAttested = p.originAttested
            originLine = p.originLine
        }

        private enum CodingKeys: String, CodingKey { case exam, examLine, attestation, originAttested, originLine }

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(exam, forKey: .exam)
            try container.encode(examLine, forKey: .examLine)
            try container.encode(attestation, forKey: .attestation)
            try container.encode(originAttested, forKey: .originAttested)
            try container.encode(originLine, forKey: .originLine)
        }
    }

    struct Suspicion: Encodable {
        let score: Double
        let flaggedEvents: Int
        let flaggedMinutes: Double
        let contributions: [ReportModel.Suspicion.Contribution]
    }

    struct Coverage: Encodable {
        let detector: String
        let evaluatedSeconds: Double
        let totalSeconds: Double
        let fraction: Double
        let note: String?
    }

    struct Photos: Encodable {
        let id: Bool
        let face: Bool
    }

    struct Event: Encodable {
        let index: Int
        let kind: String
        let detector: String
        let severity: String
        let start: Double
        let end: Double?
        let duration: Double
        let confidence: Double
        let evidenceTime: Double?
        let measured: [String: Double]
        let thresholds: [String: Double]
        let message: String
        let subject: String?
        /// true: its end was never sealed (the recording stopped while it went on); `end` is
        /// then the end of the part it was sealed in.
        let open: Bool
        let evidence: [Evidence]

        init(_ e: TimelineEvent, index: Int, evidence frames: [ReportModel.EvidenceFrame]) {
            self.index = index
            kind = e.kind
            detector = e.detector
            severity = e.severity.rawValue
            start = e.start
            end = e.end
            duration = e.duration
            confidence = e.confidence
            evidenceTime = e.evidenceTime
            measured = e.measured
            thresholds = e.thresholds
            message = e.message
            subject = e.subject
            open = e.isOpen
            evidence = frames.map { Evidence(time: $0.time, source: $0.source) }
        }
    }

    struct Evidence: Encodable {
        let time: Double
        let source: String
    }
}
