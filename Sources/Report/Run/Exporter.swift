import Foundation
import Encode
import ProctorModel
import Seal

/// `proctor export`: every bundle opened with the instructor's key, verified record by record and
/// exported, several at a time (one per core), then the class files when there are several.
public enum Exporter {
    /// What happened to one bundle.
    public struct BundleResult: Sendable {
        public var bundle: URL
        public var files: [URL] = []
        /// nil when the bundle could not be opened at all (see `error`).
        public var integrity: ReportModel.Integrity?
        /// Who issued the exam, whether the origin is attested (nil when not opened at all).
        public var provenance: ReportModel.Provenance?
        /// Why nothing could be exported (wrong key, not a bundle, unreadable).
        public var error: ProctorError?
        /// Evidence frames embedded and video frames decoded for them (shown with --verbose).
        public var evidenceFrames = 0
        public var framesDecoded = 0
        var entry: ClassOverview.Entry?
        var csvRows = ""
        /// The report without photos and frames (timeline and summary only), kept to add the
        /// class standing to the JSON report once every bundle is done.
        var model: ReportModel?
    }

    public struct Result: Sendable {
        public var bundles: [BundleResult]
        public var classFiles: [URL]

        /// Bundles whose verification failed (the CLI exits 65 when there is any).
        public var failedVerification: Int { bundles.filter { $0.integrity?.status == .failed }.count }
        /// Bundles recorded under an exam no trusted key signed, or whose exam file was not
        /// found (the CLI exits 65 for these too: their scores rest on nothing the exporter trusts).
        public var untrustedExams: Int { bundles.filter { $0.provenance.map { !$0.exam.trusted } ?? false }.count }
    }

    public enum Progress: Sendable {
        case started(bundle: URL)
        case finished(bundle: URL, done: Int, total: Int)
    }

    /// Exports `bundles` with at most `parallelism` at a time (default: one per core). Each
    /// bundle is streamed: its memory use does not grow with the recording's length.
    public static func run(_ bundles: [URL], key: BundleKey, options: ExportOptions, parallelism: Int? = nil,
                           progress: @escaping @Sendable (Progress) -> Void = { _ in }) async -> Result {
        let width = min(max(1, parallelism ?? ProcessInfo.processInfo.activeProcessorCount), bundles.count)
        let stems = fileStems(bundles)
        let exams = ExamIndex(directories: ExamIndex.directories(given: options.examFolders, environment: ProcessInfo.processInfo.environment))
        var results = [BundleResult?](repeating: nil, count: bundles.count)
        await withTaskGroup(of: (Int, BundleResult).self) { group in
            var next = 0, done = 0
            func launch() {
                let index = next, url = bundles[index]
                next += 1
                group.addTask {
                    progress(.started(bundle: url))
                    return (index, exportOne(url, key: key, options: options, exams: exams, stem: stems[index]))
                }
            }
            while next < width { launch() }
            for await (index, result) in group {
                results[index] = result
                done += 1
                progress(.finished(bundle: result.bundle, done: done, total: bundles.count))
                if next < bundles.count { launch() }
            }
        }
        var result = Result(bundles: results.map { $0! }, classFiles: [])
        if bundles.count > 1 { result.classFiles = writeClassFiles(result.bundles, options: options) }
        return result
    }

    /// `STUDENT-EXAM` per bundle, from the public headers, all decided before any file is
    /// written. When one run holds several sessions of the same student and exam (a retake, a
    /// second device), each gets its start time appended; sessions that started in the same
    /// second also get the first 8 characters of their session id, and anything still alike
    /// (the same bundle named twice, a copy) a running number, so no report overwrites
    /// another. nil: the header is unreadable (exportOne reports why).
    static func fileStems(_ bundles: [URL]) -> [String?] {
        let headers = bundles.map { try? BundleReader(contentsOf: $0).header }
        var stems = headers.map { $0.map { ExportOptions.stem(student: $0.studentId, exam: $0.examId) } }
        let refinements: [(BundleHeader) -> String] = [
            { ReportFormat.compactDate($0.startTime) },
            { ExportOptions.safe(String($0.sessionId.prefix(8))) },
        ]
        for refine in refinements {
            let counts = Dictionary(stems.compactMap { $0 }.map { ($0, 1) }, uniquingKeysWith: +)
            stems = zip(stems, headers).map { stem, header in
                guard let stem, let header, counts[stem, default: 0] > 1 else { return stem }
                return stem + "-" + refine(header)
            }
        }
        var seen: [String: Int] = [:]
        return stems.map { stem in
            guard let stem else { return nil }
            seen[stem, default: 0] += 1
            return seen[stem]! == 1 ? stem : "\(stem)-\(seen[stem]!)"
        }
    }

    static func exportOne(_ url: URL, key: BundleKey, options: ExportOptions, exams: ExamIndex, stem: String? = nil) -> BundleResult {
        var result = BundleResult(bundle: url)
        do {
            let session = try BundleSession.read(url, key: key, spoolInside: options.outputDirectory, exams: exams, trust: options.trust)
            let written = try SessionExport(collector: session.collector, integrity: session.integrity, options: options,
                                            scorer: ReportScoring.scorer(session.detection), stem: stem,
                                            review: try reviewBeside(url, session: session, trust: options.trust), detection: session.detection).run()
            result.files = written.files
            result.integrity = written.model.integrity
            result.provenance = written.model.provenance
            let pdfName = written.files.first { $0.pathExtension == "pdf" }?.lastPathComponent
            result.entry = ClassOverview.Entry(written.model, reportFile: pdfName, pages: written.pages)
            result.csvRows = ReportCSV.rows(written.model)
            result.model = written.model
            result.evidenceFrames = written.evidenceFrames
            result.framesDecoded = written.framesDecoded
        } catch {
            result.error = error
        }
        return result
    }

    /// The signed review beside the bundle (`NAME.proctor.review.json`), checked against the
    /// bundle's bytes (hashed by the verifying pass that just read them, unless it stopped
    /// early); nil when the instructor has not reviewed it.
    static func reviewBeside(_ bundle: URL, session: BundleSession, trust: ExamTrust) throws(ProctorError) -> ReviewFile.Checked? {
        let file = ReviewFile.url(forBundle: bundle)
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        let sha256: String
        if let hashed = session.fileSHA256 { sha256 = hashed } else { sha256 = try ReviewFile.sha256(ofFile: bundle) }
        return ReviewFile.read(file, bundleSHA256: sha256, sessionId: session.sessionId, trust: trust)
    }

    /// The class overview PDF and one CSV with every student's events.
    private static func writeClassFiles(_ bundles: [BundleResult], options: ExportOptions) -> [URL] {
        let entries = bundles.compactMap(\.entry)
        guard entries.count > 1 else { return [] }
        var files: [URL] = []
        if options.pdf {
            let url = options.outputDirectory.appendingPathComponent("class-overview.pdf")
            if (try? ClassOverview(entries).write(to: url.path)) != nil { files.append(url) }
        }
        if options.csv {
            let url = options.outputDirectory.appendingPathComponent("class-events.csv")
            let text = ReportCSV.headerLine() + bundles.map(\.csvRows).joined()
            if (try? Data(text.utf8).write(to: url, options: .atomic)) != nil { files.append(url) }
        }
        if options.json {
            addStandings(bundles, options: options)
            let url = options.outputDirectory.appendingPathComponent("class-overview.json")
            if let data = try? classJSON(ClassOverview(entries)), (try? data.write(to: url, options: .atomic)) != nil { files.append(url) }
        }
        return files
    }

    /// Rewrites each student's JSON report with its place in the class (`classStanding`).
    private static func addStandings(_ bundles: [BundleResult], options: ExportOptions) {
        let reported = bundles.filter { $0.model != nil && $0.entry != nil }
        let standings = ClassStanding.compute(reported.map { $0.entry!.score })
        for (bundle, standing) in zip(reported, standings) {
            guard let url = bundle.files.first(where: { $0.pathExtension == "json" }),
                  let data = try? ReportJSON.encode(bundle.model!, standing: standing) else { continue }
            try? data.write(to: url, options: .atomic)
        }
    }

    private static func classJSON(_ overview: ClassOverview) throws -> Data {
        struct Row: Encodable {
            let studentId: String, examId: String, score: Double, flaggedEvents: Int, flaggedMinutes: Double
            let integrityVerified: Bool, integrityStatus: String, examIssuer: String, originAttested: Bool, practice: Bool
            let standing: ClassStanding, reportFile: String?
        }
        struct Document: Encodable {
            let schema = "proctor.class/1"
            let students: [Row]
        }
        let rows = overview.rows.map {
            Row(studentId: $0.entry.student.id, examId: $0.entry.examID, score: $0.entry.score, flaggedEvents: $0.entry.flaggedEvents,
                flaggedMinutes: $0.entry.flaggedMinutes, integrityVerified: $0.entry.integrityVerified,
                integrityStatus: $0.entry.integrityStatus.rawValue, examIssuer: $0.entry.examIssuer.rawValue,
                originAttested: $0.entry.originAttested, practice: $0.entry.practice, standing: $0.standing,
                reportFile: $0.entry.reportFile)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(Document(students: rows))
    }
}
