import Foundation
import Exam
import ProctorModel

/// The report's score, breakdown and coverage come from the detectors' own `SessionSummary`
/// (formula in docs/detectors.md), computed for the exam's settings and the student's
/// accommodations, so the report and the detectors can never disagree.
enum ReportScoring {
    static func scorer(_ settings: DetectionSettings) -> SessionExport.Scorer {
        { events, duration in
            let summary = SessionSummary.compute(events: events, duration: duration, settings: settings)
            // A kind's points are what it alone would score: 100 · (1 − (1 − share)^weight).
            let contributions = summary.kinds.map { kind, value in
                ReportModel.Suspicion.Contribution(kind: kind, events: value.count, seconds: value.seconds,
                                                   points: 100 * (1 - pow(1 - value.share, value.weight)))
            }.sorted { ($0.points, $1.kind) > ($1.points, $0.kind) }
            let coverage = summary.coverage.sorted { $0.key < $1.key }.map { detector, share in
                ReportModel.Coverage(detector: detector, evaluatedSeconds: share * summary.duration, totalSeconds: summary.duration,
                                     note: share < 0.999 ? coverageNote(detector, events) : nil)
            }
            return (ReportModel.Suspicion(score: summary.score, contributions: contributions), coverage)
        }
    }

    /// Why a detector could not evaluate: its coverage events' kinds and total time.
    private static func coverageNote(_ detector: String, _ events: [TimelineEvent]) -> String? {
        let gaps = events.filter { $0.detector == detector && $0.severity == .coverage }
        guard !gaps.isEmpty else { return nil }
        let seconds = gaps.reduce(0) { $0 + $1.duration }
        let kinds = Set(gaps.map(\.kind)).sorted().joined(separator: ", ")
        return "\(kinds): \(ReportFormat.duration(seconds))"
    }

    /// The settings a reviewer should see next to the score.
    static func settingRows(_ settings: ExamSettings, student: String) -> [ReportModel.Setting] {
        var rows: [ReportModel.Setting] = [
            .init("time limit", ReportFormat.duration(settings.timeLimit(for: student))),
            .init("camera", video(settings.recording.camera)),
            .init("screen", video(settings.recording.screen)),
            .init("microphone", settings.recording.microphone.enabled
                  ? "\(settings.recording.microphone.sampleRate) Hz, \(settings.recording.microphone.bitrateKbps) kbit/s" : "off"),
            .init("displays allowed", "\(settings.allowedDisplays)"),
        ]
        if !settings.forbiddenPrograms.isEmpty {
            rows.append(.init("forbidden programs", settings.forbiddenPrograms.joined(separator: ", ")))
        }
        for kind in settings.behaviours.keys.sorted() {
            let config = settings.behaviours[kind]!
            let minimum = config.minimumSeconds.map { ", at least \(ReportFormat.number($0)) s" } ?? ""
            rows.append(.init(kind, config.enabled
                              ? "weight \(ReportFormat.number(config.weight)), sensitivity \(ReportFormat.number(config.sensitivity))\(minimum)"
                              : "off"))
        }
        rows.append(.init("retention", "\(settings.retentionDays) days"))
        return rows
    }

    static func accommodationLines(_ settings: ExamSettings, student: String) -> [String] {
        guard let accommodation = settings.accommodations[student] else { return [] }
        var lines: [String] = []
        if accommodation.fullyExempt { lines.append("fully exempt from proctoring") }
        if accommodation.extraTimeFactor != 1 {
            lines.append(String(format: "%.0f%% extra time", (accommodation.extraTimeFactor - 1) * 100))
        }
        if !accommodation.exemptKinds.isEmpty {
            lines.append("not checked: " + accommodation.exemptKinds.sorted().joined(separator: ", "))
        }
        return lines
    }

    private static func video(_ video: ExamSettings.Video) -> String {
        video.enabled ? "\(video.width)x\(video.height) at \(video.fps) fps, \(video.bitrateKbps) kbit/s" : "off"
    }
}
