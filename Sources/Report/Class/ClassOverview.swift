import Foundation
import ProctorModel

/// The class at a glance when several bundles are exported together: one row per student,
/// most suspicious first, each score placed against the class distribution, with the integrity
/// status and where in that student's report the flagged events start.
public struct ClassOverview: Sendable {
    /// What the overview keeps of one report: a few numbers, never photos or frames, so a class
    /// of any size fits in memory.
    public struct Entry: Sendable, Equatable {
        public var student: ReportModel.Student
        public var examID: String
        public var score: Double
        public var flaggedEvents: Int
        public var flaggedMinutes: Double
        public var integrityVerified: Bool
        public var integrityStatus: ReportModel.Integrity.Status
        public var integrityLine: String
        /// Whether a trusted instructor issued the exam, apart from the seals' integrity.
        public var examIssuer: ReportModel.ExamIssuer.Status
        public var originAttested: Bool
        public var practice: Bool
        /// The student's report file name (relative to the overview) and its page layout.
        public var reportFile: String?
        public var pages: ReportPDF.Pages?

        public init(_ model: ReportModel, reportFile: String? = nil, pages: ReportPDF.Pages? = nil) {
            student = model.student
            examID = model.exam.id
            score = model.suspicion.score
            flaggedEvents = model.flagged.count
            flaggedMinutes = model.flaggedMinutes
            integrityVerified = model.integrity.verified
            integrityStatus = model.integrity.status
            integrityLine = model.integrity.line
            examIssuer = model.provenance.exam.status
            originAttested = model.provenance.originAttested
            practice = model.practice
            self.reportFile = reportFile
            self.pages = pages
        }
    }

    public struct Row: Sendable, Equatable {
        public var entry: Entry
        public var standing: ClassStanding
    }

    /// Rows sorted by score, highest first; ties by student id so the order is reproducible.
    public let rows: [Row]

    public init(_ entries: [Entry]) {
        let standings = ClassStanding.compute(entries.map(\.score))
        rows = zip(entries, standings).map { Row(entry: $0, standing: $1) }
            .sorted { ($0.entry.score, $1.entry.student.id) > ($1.entry.score, $0.entry.student.id) }
    }

    public func write(to path: String) throws(ProctorError) {
        let canvas = try PDFCanvas(path: path)
        let exams = Set(rows.map(\.entry.examID)).sorted().joined(separator: ", ")
        canvas.setMetadata(title: "Class overview: \(exams)", author: "proctor \(ReportPDF.generatorVersion)",
                           subject: "\(rows.count) sessions", creator: "proctor export")
        let flow = PageFlow(canvas: canvas, footer: "proctor class overview · \(exams)")
        flow.advance(canvas.text("Class overview", x: flow.left, y: flow.y, font: .title) + 4)
        let failed = rows.filter { $0.entry.integrityStatus == .failed }.count
        flow.paragraph("\(rows.count) sessions of \(exams). Sorted by suspicion score, highest first. "
                       + "z is the score's distance from the class mean in standard deviations; percentile is the share "
                       + "of the class scoring lower (ties count half). Scores are prompts for review, not verdicts.",
                       font: .small, color: .gray)
        if failed > 0 {
            flow.paragraph("INTEGRITY FAILED for \(failed) session(s): their reports show only what verified.", font: .bold)
        }
        let untrusted = rows.filter { $0.entry.examIssuer != .trusted }.count
        if untrusted > 0 {
            flow.paragraph("EXAM NOT ISSUED BY A TRUSTED INSTRUCTOR for \(untrusted) session(s): their scores use default weights.", font: .bold)
        }
        let practice = rows.filter(\.entry.practice).count
        if practice > 0 { flow.paragraph("PRACTICE RUN: \(practice) session(s) were practice runs, not exam attempts.", font: .bold) }
        flow.paragraph("Integrity says whether the sealed records are authentic and complete; Exam says whether a trusted "
                       + "instructor signed the exam they ran under. Origin: " + (rows.allSatisfy(\.entry.originAttested) ? "attested for every session."
                       : "not attested (no collection server vouches for where a bundle was recorded)."), font: .small, color: .gray)
        let header = ["#", "Student", "Score", "z", "Pct.", "Flags", "Flagged", "Integrity", "Exam", "Report pages"]
        let body = rows.map { row -> [String] in
            let e = row.entry, s = row.standing
            let student = e.student.name.map { "\(e.student.id)\n\($0)" } ?? e.student.id
            return ["\(s.rank)", student + (e.practice ? "\nPRACTICE" : ""),
                    String(format: "%.0f", e.score), s.zScore.map { String(format: "%+.2f", $0) } ?? "–",
                    String(format: "%.0f", s.percentile), "\(e.flaggedEvents)",
                    String(format: "%.1f min", e.flaggedMinutes), e.integrityStatus == .failed ? "FAILED" : e.integrityStatus.rawValue,
                    e.examIssuer == .trusted ? "trusted" : e.examIssuer == .untrusted ? "UNTRUSTED" : "NOT FOUND",
                    pageReference(e)]
        }
        flow.table([header] + body, columns: [0.04, 0.12, 0.06, 0.07, 0.06, 0.06, 0.09, 0.10, 0.10, 0.30], font: .small, headerFont: .smallBold)
        try canvas.finish()
    }

    private func pageReference(_ entry: Entry) -> String {
        guard let file = entry.reportFile else { return "–" }
        guard let pages = entry.pages else { return file }
        let flags = entry.flaggedEvents > 0 ? ", flags p. \(pages.flaggedEvents)" : ""
        return "\(file) (\(pages.count) pp.)\(flags)"
    }
}
