import Foundation
import Exam
import ProctorModel
import Seal

/// Reads one sealed bundle with the instructor's key, record by record: every record is
/// authenticated by `BundleReader` before its payload is used. Reading stops at the first record
/// that fails; everything before it verified and is exported, and the failure becomes the
/// report's integrity result (docs/export.md).
struct BundleSession {
    /// What becomes of the media records.
    enum Media {
        /// Decrypted into private temporary files (`proctor export`).
        case spool
        /// Authenticated in the pass, then indexed and left sealed: read again from the bundle
        /// on request (`SealedBundleMedia`, review).
        case sealed
        /// Media and photo records skipped, not even read, save the last media record of each
        /// part (for where its media ends): the review app's first look at a long bundle.
        /// The hash chain and the skipped records are not checked, so the integrity is
        /// `unchecked` unless something that was read failed.
        case skipped
    }

    let collector: SessionCollector
    let integrity: ReportModel.Integrity
    /// The exam's detection settings for this student (defaults when the exam file is not found).
    let detection: DetectionSettings
    /// SHA-256 of the whole file, hashed in the verifying pass; nil when the pass stopped early.
    let fileSHA256: String?
    /// The header's session id, which a review file names.
    let sessionId: String

    /// `exams`: where the exam file is found by the hash in the header; `trust`: whose
    /// signature on it is accepted (docs/export.md, "Exam provenance").
    /// `media`: spooled (export), left sealed (review) or skipped (the review's class list).
    static func read(_ url: URL, key: BundleKey, spoolInside directory: URL, exams: ExamIndex,
                     trust: ExamTrust, media mode: Media = .spool) throws(ProctorError) -> BundleSession {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ProctorError(.missingInput, "the bundle \(url.path) does not exist")
        }
        let reader = try BundleReader(contentsOf: url, key: key)
        reader.retainsPartKeys = mode != .spool
        if mode == .skipped { reader.skippedTypes = [.media, .photo] }
        /// `.skipped`: per part, its last media record, opened once the walk is done.
        var lastMedia: [Int: RecordLocation] = [:]
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
            guard let payload = record.payload else {
                if record.type == .media { lastMedia[Int(record.part)] = record.location }
                continue
            }
            verified += 1
            do {
                if mode == .sealed, record.type == .media {
                    let media = try RecordingRecords.decodeMedia(payload)
                    collector.indexMedia(part: Int(record.part), count: media.matroska.count, mediaEnd: media.mediaEnd, location: record.location)
                    continue
                }
                try take(record.type, payload, part: Int(record.part), into: collector)
            } catch {
                // Authentic but not understood (a newer layout): skip it and say so.
                notes.append("record \(record.index) of part \(record.part) (\(record.type)): \(error.message)")
            }
        }

        for (part, location) in lastMedia.sorted(by: { $0.key < $1.key }) where failure == nil {
            do {
                let media = try RecordingRecords.decodeMedia(try reader.reopen(location))
                collector.noteMediaEnd(part: part, media.mediaEnd)
                verified += 1
            } catch {
                if error.code == .verification { failure = error } else { notes.append("record \(location.index) of part \(part) (media): \(error.message)") }
            }
        }
        if mode == .skipped { reader.forgetPartKeys() }

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
        } else if reader.hasSkipped {
            status = .unchecked
        } else {
            status = .verified
        }
        if let manifest = reader.manifest, collector.facts.endedAt == nil, let start = collector.facts.startedAt {
            collector.facts.endedAt = start.addingTimeInterval(manifest.mediaDuration)
        }
        let integrity = ReportModel.Integrity(status: status, recordsVerified: verified, recordsRejected: failure == nil ? 0 : 1,
                                              problems: problems + notes)
        let detection = examSettings(header, collector: collector, exams: exams, trust: trust)
        // Only a trusted exam file's pinned key may vouch for the bundle: one a student signed could pin their own.
        if collector.facts.issuer?.trusted == true, let exam = exams.exam(sha256: header.examFileSHA256)?.exam {
            collector.facts.attestation = ServerAttestation.check(bundle: url, header: header, exam: exam)
        }
        let fileSHA256 = failure == nil && !reader.hasSkipped && reader.chainOffset == reader.fileSize ? reader.chainValue.hexString : nil
        if mode == .sealed { collector.useSealedMedia(SealedBundleMedia(reader)) }
        return BundleSession(collector: collector, integrity: integrity, detection: detection, fileSHA256: fileSHA256,
                             sessionId: header.sessionId)
    }

    /// The report model from what was sealed, without opening the recording: parts end at
    /// their media records' `mediaEnd`, and no microphone trace unless the timeline has one
    /// (the review app reads the recording only when an attempt is looked at).
    func model(spoolInside directory: URL) -> ReportModel {
        SessionExport(collector: collector, integrity: integrity, options: ExportOptions(outputDirectory: directory),
                      scorer: ReportScoring.scorer(detection))
            .buildModel(partRanges: collector.sealedPartRanges, audioLevels: [])
    }

    /// One authenticated payload, by type (layouts: docs/bundle-format.md, "Recording payloads").
    private static func take(_ type: RecordType, _ payload: [UInt8], part: Int, into collector: SessionCollector) throws(ProctorError) {
        switch type {
        case .media:
            let media = try RecordingRecords.decodeMedia(payload)
            try collector.addMedia(part: part, bytes: media.matroska, mediaEnd: media.mediaEnd)
        case .timeline:
            collector.add([try RecordingRecords.decodeTimeline(payload)], part: part)
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
            if metadata.practice == true { collector.facts.practice = true }
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
        if metadata.practice == true { rows.append(.init(prefix + "mode", "PRACTICE RUN (begin --practice), not an exam attempt")) }
        return rows
    }

    /// The exam file the session ran under: the one whose bytes hash to the SHA-256 sealed in
    /// the header, and only if a trusted key signed it, are its settings and the student's
    /// accommodations shown and used for the score. Otherwise the report says why, and the
    /// default weights apply (an exam a student signed could switch every detector off).
    private static func examSettings(_ header: BundleHeader, collector: SessionCollector,
                                     exams: ExamIndex, trust: ExamTrust) -> DetectionSettings {
        let found = exams.exam(sha256: header.examFileSHA256)
        let issuer = ExamIndex.issuer(header, found: found, trust: trust)
        collector.facts.issuer = issuer
        guard issuer.trusted, let settings = found?.exam.settings else {
            let why = issuer.status == .notFound
                ? "exam file \(header.examId).exam not found among the exam folders (none has the SHA-256 the bundle names)"
                : "the exam file the bundle names is signed by \(issuer.signer ?? "?"), a key you do not trust: its settings were not used"
            collector.facts.settings = [.init("exam settings", why + "; default detector weights")] + collector.facts.recorded
            return DetectionSettings()
        }
        collector.facts.examTitle = collector.facts.examTitle ?? settings.title
        collector.facts.settings = ReportScoring.settingRows(settings, student: header.studentId) + collector.facts.recorded
        collector.facts.accommodations = ReportScoring.accommodationLines(settings, student: header.studentId)
        return settings.detectionSettings(for: header.studentId)
    }
}
