import Foundation
import Exam
import ProctorModel
import Seal

/// Reads one sealed bundle with the instructor's key, record by record: every record is
/// authenticated by `BundleReader` before its payload is used. Reading stops at the first record
/// that fails; everything before it verified and is exported, and the failure becomes the
/// report's integrity result (docs/export.md).
struct BundleSession {
    let collector: SessionCollector
    let integrity: ReportModel.Integrity
    /// The exam's detection settings for this student (defaults when the exam file is not found).
    let detection: DetectionSettings

    static func read(_ url: URL, key: BundleKey, spoolInside directory: URL,
                     environment: [String: String] = ProcessInfo.processInfo.environment) throws(ProctorError) -> BundleSession {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ProctorError(.missingInput, "the bundle \(url.path) does not exist")
        }
        let reader = try BundleReader(contentsOf: url, key: key)
        let header = reader.header
        let collector = try SessionCollector(spoolInside: directory)
        collector.facts.studentID = header.studentId
        collector.facts.examID = header.examId
        collector.facts.startedAt = header.startTime

        var verified = 0, failure: ProctorError?, notes: [String] = []
        while true {
            let record: BundleRecord?
            do {
                record = try reader.next()
            } catch {
                failure = error
                break
            }
            guard let record else { break }
            verified += 1
            guard let payload = record.payload else { continue }
            do {
                try take(record.type, payload, part: Int(record.part), into: collector)
            } catch {
                // Authentic but not understood (a newer layout): skip it and say so.
                notes.append("record \(record.index) of part \(record.part) (\(record.type)): \(error.message)")
            }
        }

        var problems: [String] = []
        let status: ReportModel.Integrity.Status
        if let failure {
            status = .failed
            problems.append(failure.message)
            problems.append("nothing after that point was used: it cannot be trusted")
        } else if !reader.abruptEnds.isEmpty || reader.manifest == nil {
            status = .incomplete
            problems += reader.abruptEnds.map(\.description)
            if reader.manifest == nil {
                problems.append("the bundle has no final record: the recording stopped before `proctor submit` finished it")
            }
        } else {
            status = .verified
        }
        if let manifest = reader.manifest, collector.facts.endedAt == nil, let start = collector.facts.startedAt {
            collector.facts.endedAt = start.addingTimeInterval(manifest.mediaDuration)
        }
        let integrity = ReportModel.Integrity(status: status, recordsVerified: verified, recordsRejected: failure == nil ? 0 : 1,
                                              problems: problems + notes)
        let detection = examSettings(header, collector: collector, environment: environment)
        return BundleSession(collector: collector, integrity: integrity, detection: detection)
    }

    /// One authenticated payload, by type (layouts: docs/bundle-format.md, "Recording payloads").
    private static func take(_ type: RecordType, _ payload: [UInt8], part: Int, into collector: SessionCollector) throws(ProctorError) {
        switch type {
        case .media:
            let media = try RecordingRecords.decodeMedia(payload)
            try collector.addMedia(part: part, bytes: media.matroska)
        case .timeline:
            collector.add([try RecordingRecords.decodeTimeline(payload)])
        case .photo:
            let photo = try RecordingRecords.decodePhoto(payload)
            switch photo.kind {
            case "id": collector.idPhoto = Array(photo.jpeg)
            case "face": if collector.facePhoto == nil { collector.facePhoto = Array(photo.jpeg) }
            default: break
            }
        case .metadata:
            let metadata = try RecordingRecords.decodeMetadata(payload)
            collector.facts.examTitle = metadata.examTitle
            collector.facts.partStarts[part] = (metadata.mediaOffset, metadata.startedAt)
            collector.facts.recorded += recordedSettings(metadata, part: part)
            if part == 0 || collector.facts.startedAt == nil { collector.facts.startedAt = metadata.startedAt }
        default:
            break
        }
    }

    /// The set-up a part sealed in its metadata: shown even when the exam file is not at hand.
    private static func recordedSettings(_ metadata: SessionMetadata, part: Int) -> [ReportModel.Setting] {
        let prefix = "part \(part) "
        var rows: [ReportModel.Setting] = [.init(prefix + "software", "\(metadata.software) on \(metadata.hostname)"),
                                           .init(prefix + "time limit (as recorded)", ReportFormat.duration(metadata.timeLimitSeconds))]
        for (name, value) in [("camera", metadata.camera), ("screen", metadata.screen), ("microphone", metadata.microphone)] {
            if let value { rows.append(.init(prefix + name, value)) }
        }
        rows += metadata.sources.sorted { $0.key < $1.key }.map { .init(prefix + "\($0.key) source", $0.value) }
        return rows
    }

    /// The exam file the session ran under, found like `begin` finds it and accepted only when
    /// its hash is the one sealed in the bundle header; its settings and the student's
    /// accommodations go on page 1 and drive the score.
    private static func examSettings(_ header: BundleHeader, collector: SessionCollector,
                                     environment: [String: String]) -> DetectionSettings {
        guard let url = try? ExamLocator.resolve(header.examId, environment: environment),
              let exam = try? ExamFile.load(url), exam.sha256 == header.examFileSHA256 else {
            collector.facts.settings = [.init("exam settings", "exam file \(header.examId).exam not found or not the one recorded: default detector weights")]
                + collector.facts.recorded
            return DetectionSettings()
        }
        let settings = exam.settings
        collector.facts.examTitle = collector.facts.examTitle ?? settings.title
        collector.facts.settings = ReportScoring.settingRows(settings, student: header.studentId) + collector.facts.recorded
        collector.facts.accommodations = ReportScoring.accommodationLines(settings, student: header.studentId)
        return settings.detectionSettings(for: header.studentId)
    }
}
