import Encode
import Foundation
import ProctorModel

/// Turns one collected session into the files the reviewer asked for: the report model with
/// evidence frames, then PDF, JSON, CSV and the `--media` Matroska files.
struct SessionExport {
    /// Scores a timeline: the detectors' `SessionSummary` for the exam's settings.
    typealias Scorer = @Sendable (_ events: [TimelineEvent], _ duration: Double) -> (ReportModel.Suspicion, [ReportModel.Coverage])

    let collector: SessionCollector
    let integrity: ReportModel.Integrity
    let options: ExportOptions
    let scorer: Scorer
    /// Output file names start with this; default `STUDENT-EXAM`.
    var stem: String?
    /// The checked review file beside the bundle, and the exam's settings it re-weights.
    var review: ReviewFile.Checked?
    var detection = DetectionSettings()

    struct Written: Sendable {
        var model: ReportModel
        var pages: ReportPDF.Pages?
        var files: [URL]
        /// Evidence frames embedded, and video frames decoded to get them: with the keyframe
        /// index this is at most one GOP per evidence frame, never the whole recording.
        var evidenceFrames = 0
        var framesDecoded = 0
    }

    func run() throws(ProctorError) -> Written {
        let evidence = EvidenceExtractor(collector.spools)
        var model = buildModel(evidence)
        for (index, event) in model.timeline.enumerated() where event.severity == .flag {
            let frames = evidence.frames(for: event, maxWidth: options.evidenceWidth)
            if !frames.isEmpty { model.evidence[index] = frames }
        }
        // Unreadable media does not stop the report; it is stated with the integrity result.
        model.integrity.problems += evidence.problems
        if let review { model.review = ReviewOutcome.make(review, model: model, detection: detection) }

        let stem = self.stem ?? ExportOptions.stem(student: model.student.id, exam: model.exam.id)
        let directory = options.outputDirectory
        var files: [URL] = [], pages: ReportPDF.Pages?
        let evidenceFrames = model.evidence.values.reduce(0) { $0 + $1.count }
        if options.pdf {
            let url = directory.appendingPathComponent(stem + ".pdf")
            pages = try ReportPDF.write(model, to: url.path)
            files.append(url)
        }
        if options.json {
            let url = directory.appendingPathComponent(stem + ".json")
            try write(Array(try ReportJSON.encode(model)), to: url)
            files.append(url)
        }
        if options.csv {
            let url = directory.appendingPathComponent(stem + ".csv")
            try write(Array((ReportCSV.headerLine() + ReportCSV.rows(model)).utf8), to: url)
            files.append(url)
        }
        if options.media { files += try writeMedia(model, stem: stem) }
        // The evidence JPEGs are in the PDF now; keep the returned model small for the class pass.
        model.evidence = [:]
        model.idPhoto = nil
        model.facePhoto = nil
        return Written(model: model, pages: pages, files: files, evidenceFrames: evidenceFrames, framesDecoded: evidence.framesDecoded)
    }

    func buildModel(_ evidence: EvidenceExtractor) -> ReportModel {
        buildModel(partRanges: evidence.partRanges, audioLevels: evidence.levels)
    }

    /// `partRanges`: the media range of each part (the recording's video, or what was sealed);
    /// `audioLevels`: the microphone trace when the timeline has none.
    func buildModel(partRanges ranges: [Int: (start: Double, end: Double)], audioLevels levels: [ReportModel.AudioLevel]) -> ReportModel {
        let facts = collector.facts
        // A part runs from where its metadata says its media starts to where its video ends.
        // Parts keep the bundle's numbering (from 0), the one `proctor verify` and every
        // integrity message use.
        let timeline = collector.timeline(partEnds: ranges.mapValues(\.end))
        let parts = Set(ranges.keys).union(facts.partStarts.keys).sorted().map { part -> ReportModel.Part in
            let start = facts.partStarts[part]?.media ?? ranges[part]?.start ?? 0
            let end = max(start, ranges[part]?.end ?? start)
            let wall = facts.partStarts[part]?.wall
            return ReportModel.Part(index: part, start: start, end: end, startedAt: wall,
                                    endedAt: wall?.addingTimeInterval(end - start))
        }
        let duration = parts.isEmpty ? (timeline.map { $0.end ?? $0.start }.max() ?? 0) : parts.map(\.duration).reduce(0, +)
        let (suspicion, coverage) = scorer(timeline, duration)
        return ReportModel(student: .init(id: facts.studentID, name: facts.studentName),
                           exam: .init(id: facts.examID, title: facts.examTitle),
                           startedAt: facts.startedAt, endedAt: parts.last?.endedAt ?? facts.endedAt, duration: duration, parts: parts,
                           integrity: integrity, provenance: ReportModel.Provenance(exam: facts.issuer ?? .init(status: .notFound, examFileSHA256: "", examID: facts.examID),
                                                                              attestation: facts.attestation),
                           practice: facts.practice, suspicion: suspicion, coverage: coverage, settings: facts.settings,
                           accommodations: facts.accommodations, idPhoto: collector.idPhoto, facePhoto: collector.facePhoto,
                           timeline: timeline, audioLevels: audioLevels(timeline, fallback: levels))
    }

    /// The microphone trace: level events when the session wrote them (`audio.level`, measured
    /// `dbfs`), otherwise the levels read from the recorded audio.
    private func audioLevels(_ timeline: [TimelineEvent], fallback: [ReportModel.AudioLevel]) -> [ReportModel.AudioLevel] {
        let recorded = timeline.compactMap { event -> ReportModel.AudioLevel? in
            guard event.kind == "audio.level", let dbfs = event.measured["dbfs"] else { return nil }
            return .init(time: event.start, dbfs: dbfs)
        }
        return recorded.isEmpty ? fallback : recorded
    }

    /// Per part, the camera with the microphone and the screen as standalone .mkv files, with
    /// the flags as chapters: ffplay and VLC play the first video of a file, so the two videos
    /// are split rather than left as alternative tracks a player would hide.
    private func writeMedia(_ model: ReportModel, stem: String) throws(ProctorError) -> [URL] {
        var files: [URL] = []
        let multipart = collector.spools.count > 1
        for (part, spool) in collector.spools.sorted(by: { $0.key < $1.key }) where spool.size > 0 {
            // Flags keep the numbers the PDF gives them; a part's file carries the flags inside it.
            let range = model.parts.first { $0.index == part }.map { $0.start...$0.end }
            let chapters = model.flagged.enumerated().compactMap { n, item -> Chapter? in
                guard !multipart || range?.contains(item.event.start) != false else { return nil }
                return Chapter(start: item.event.start, end: item.event.end ?? item.event.start,
                               title: "Flag \(n + 1): \(item.event.kind) at \(ReportFormat.clock(item.event.start))")
            }
            let source = try spool.source()
            let streams: RecordingReader
            do { streams = try RecordingReader(source) } catch {
                throw ProctorError(.badData, "the recording of part \(part) cannot be read: \(error.message)", detail: error.detail)
            }
            let videos = streams.videoStreams
            let screen = videos.first { $0.title == "screen" }
            let groups: [(String, (RecordingReader.Stream) -> Bool)] = [
                ("camera", { $0.kind == .audio || ($0.kind == .video && $0.index != screen?.index) }),
                ("screen", { $0.index == screen?.index }),
            ]
            for (name, include) in groups where streams.streams.contains(where: include) {
                let file = stem + "-" + name + (multipart ? "-part\(part)" : "") + ".mkv"
                let url = options.outputDirectory.appendingPathComponent(file)
                // Named only once complete: a killed export leaves no partial decrypted media.
                let output = try OutputFile(path: url.path, noun: "the media file")
                do {
                    try Remux.write(source, to: output.procPath, chapters: chapters,
                                    title: "\(model.student.id) · \(model.exam.id) · \(name)", include: include)
                } catch {
                    throw ProctorError(error.code == .io ? .io : .badData, "writing \(file) failed: \(error.message)", detail: error.detail)
                }
                try output.commit()
                files.append(url)
            }
        }
        return files
    }

    private func write(_ bytes: [UInt8], to url: URL) throws(ProctorError) {
        // Not Data.write(.atomic): its temporary copy keeps a name if the export is killed.
        let output = try OutputFile(path: url.path, noun: "the report")
        bytes.withUnsafeBytes { output.write($0) }
        try output.commit()
    }
}
