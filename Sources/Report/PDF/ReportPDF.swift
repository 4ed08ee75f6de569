import Foundation
import ProctorModel

/// One student's PDF report (docs/export.md describes what a reviewer sees on each page).
public enum ReportPDF {
    /// Where things landed, for the class overview's page references.
    public struct Pages: Sendable, Equatable {
        public var count: Int
        /// The page where the flagged events section begins.
        public var flaggedEvents: Int
    }

    /// Writes the report to `path` and says where its sections landed.
    @discardableResult
    public static func write(_ model: ReportModel, to path: String) throws(ProctorError) -> Pages {
        let canvas = try PDFCanvas(path: path)
        canvas.setMetadata(title: "Exam session report: \(model.student.id), \(model.exam.id)",
                           author: "proctor \(ReportPDF.generatorVersion)",
                           subject: model.integrity.line, creator: "proctor export")
        let pages = try render(model, on: canvas)
        try canvas.finish()
        return pages
    }

    /// Draws the report starting on the canvas's current (fresh) page; returns the pages it used.
    static func render(_ model: ReportModel, on canvas: PDFCanvas) throws(ProctorError) -> Pages {
        let firstPage = canvas.pageNumber
        // A practice run says so on every page, so no printed page passes for an exam attempt.
        let flow = PageFlow(canvas: canvas, footer: "proctor report · student \(model.student.id) · exam \(model.exam.id)"
                            + (model.practice ? " · PRACTICE RUN, not an exam attempt" : ""))
        canvas.addOutline("Report: \(model.student.id)", page: firstPage)
        SummaryPage(model: model, flow: flow).draw()
        flow.newPage()
        canvas.addOutline("Identity and timeline: \(model.student.id)", page: canvas.pageNumber)
        try IdentityPhotos(model: model, flow: flow).draw()
        TimelineChart(model: model, flow: flow).draw()
        var events = FlaggedEventPages(model: model, flow: flow)
        try events.draw()
        return Pages(count: flow.pagesUsed, flaggedEvents: events.firstPage - firstPage + 1)
    }

    /// Written into the PDF's author field; `proctor --version` reports the same.
    public static let generatorVersion = ProctorVersion.string
}

/// Page 1: who, what, when, whether the data is intact, and the score with its reasons.
struct SummaryPage {
    let model: ReportModel
    let flow: PageFlow

    func draw() {
        let canvas = flow.canvas
        flow.advance(canvas.text(model.practice ? "Practice run report (not an exam attempt)" : "Exam session report",
                                 x: flow.left, y: flow.y, font: .title) + 6)
        integrityBox()
        provenanceBox()
        facts()
        score()
        ReviewBox(model: model, flow: flow).draw()
        coverage()
        settings()
    }

    /// The integrity result comes first and cannot be missed: a heavy frame, and for a failure
    /// a hatched band and the word FAILED in bold, so it survives black-and-white printing.
    private func integrityBox() {
        let canvas = flow.canvas, integrity = model.integrity
        var lines = [integrity.line]
        if !integrity.verified {
            // The integrity line already quotes the first problem.
            let more = integrity.problems.dropFirst()
            lines += more.prefix(4).map { "• " + $0 }
            if more.count > 4 { lines.append("• … and \(more.count - 4) more (see the JSON report)") }
            lines.append(integrity.status == .failed
                         ? "This report shows only what verified before the failure. Treat anything else as untrustworthy."
                         : "Everything shown verified; what happened after the last record cannot be vouched for.")
        } else if !integrity.problems.isEmpty {
            lines += integrity.problems.prefix(4).map { "• note: " + $0 }
        }
        let text = lines.joined(separator: "\n")
        let height = canvas.measure(text, width: flow.contentWidth - 24, font: .bold).height + 14
        if integrity.verified {
            canvas.strokeRect(x: flow.left, y: flow.y, width: flow.contentWidth, height: height, color: .okGreen, lineWidth: 1.5)
        } else {
            canvas.fillRect(x: flow.left, y: flow.y, width: 8, height: height, color: .flagRed)
            canvas.hatch(x: flow.left, y: flow.y, width: 8, height: height, color: .black)
            canvas.fillRect(x: flow.left + 8, y: flow.y, width: flow.contentWidth - 8, height: height, color: .paleRed)
            canvas.strokeRect(x: flow.left, y: flow.y, width: flow.contentWidth, height: height, color: .black, lineWidth: 2.5)
        }
        canvas.text(text, x: flow.left + 16, y: flow.y + 7, width: flow.contentWidth - 24, font: .bold)
        flow.advance(height + 6)
    }

    /// Where the bundle comes from, in its own frame under the integrity result: who issued the
    /// exam, whether anything attests the origin, and every source that was not a device.
    /// Anything short of a trusted issuer and an attested origin is drawn like a failure for the
    /// parts that fail, so a valid seal is never read as proof of where a bundle came from.
    private func provenanceBox() {
        let canvas = flow.canvas, provenance = model.provenance
        var lines = provenance.lines
        if model.practice {
            lines.insert("PRACTICE RUN: recorded with `proctor begin --practice`; not an exam attempt.", at: 0)
        }
        for event in model.untrustedSources {
            lines.append("UNTRUSTED SOURCE (source.untrusted) at \(ReportFormat.clock(event.start)): \(event.message)")
        }
        // Small type: the box must not push the settings in force off page 1.
        let text = lines.joined(separator: "\n")
        let height = canvas.measure(text, width: flow.contentWidth - 24, font: .smallBold).height + 8
        let trusted = provenance.exam.trusted && model.untrustedSources.isEmpty && !model.practice
        if trusted {
            canvas.strokeRect(x: flow.left, y: flow.y, width: flow.contentWidth, height: height, color: .black, lineWidth: 1)
        } else {
            canvas.fillRect(x: flow.left, y: flow.y, width: 8, height: height, color: .flagRed)
            canvas.hatch(x: flow.left, y: flow.y, width: 8, height: height, color: .black)
            canvas.strokeRect(x: flow.left, y: flow.y, width: flow.contentWidth, height: height, color: .black, lineWidth: 2.5)
        }
        canvas.text(text, x: flow.left + 16, y: flow.y + 4, width: flow.contentWidth - 24, font: .smallBold)
        flow.advance(height + 6)
    }

    private func facts() {
        let m = model
        var rows: [[String]] = [
            ["Student", m.student.name.map { "\(m.student.id) (\($0))" } ?? m.student.id],
            ["Exam", m.exam.title.map { "\(m.exam.id): \($0)" } ?? m.exam.id],
            ["Started", ReportFormat.date(m.startedAt)],
            ["Ended", ReportFormat.date(m.endedAt)],
            ["Recorded duration", "\(ReportFormat.duration(m.duration)) (\(ReportFormat.clock(m.duration)))"],
        ]
        let partsText = m.parts.isEmpty ? "none recorded" : m.parts.map {
            "part \($0.index): \(ReportFormat.clock($0.start))–\(ReportFormat.clock($0.end)) (\(ReportFormat.duration($0.duration)))"
        }.joined(separator: "\n")
        rows.append(["Parts", "\(m.parts.count): " + partsText])
        let gaps = m.gaps
        rows.append(["Gaps", gaps.isEmpty ? "none" : gaps.map {
            "after part \($0.afterPart): " + ($0.seconds.map(ReportFormat.duration) ?? "length unknown")
        }.joined(separator: "\n")])
        flow.table([["", ""]] + rows, columns: [0.25, 0.75], headerFont: .small)
    }

    private func score() {
        let s = model.suspicion
        flow.heading(String(format: "Suspicion score: %.0f / 100", s.score))
        flow.paragraph("Flagged time: \(ReportFormat.duration(model.flaggedMinutes * 60)) in \(model.flagged.count) flagged event(s). "
                       + "The score is a prompt for human review, not a verdict.", font: .small, color: .gray)
        guard !s.contributions.isEmpty else {
            flow.paragraph("No detector flagged anything.")
            return
        }
        let rows = s.contributions.sorted { $0.points > $1.points }.map {
            [$0.kind, "\($0.events)", ReportFormat.duration($0.seconds), String(format: "%.1f", $0.points)]
        }
        flow.table([["Flag kind", "Events", "Flagged time", "Points"]] + rows, columns: [0.4, 0.15, 0.25, 0.2])
    }

    private func coverage() {
        flow.heading("Detector coverage")
        guard !model.coverage.isEmpty else {
            flow.paragraph("No coverage information was recorded.")
            return
        }
        let rows = model.coverage.map {
            [$0.detector, String(format: "%.0f%%", $0.fraction * 100), ReportFormat.duration($0.evaluatedSeconds), $0.note ?? ""]
        }
        flow.table([["Detector", "Evaluated", "Time evaluated", "Note"]] + rows, columns: [0.2, 0.15, 0.2, 0.45])
    }

    private func settings() {
        flow.heading("Settings and accommodations in force")
        // The student's accommodations first: they change how everything below is read, and
        // a long settings table must not push them off page 1.
        flow.paragraph("Accommodations: " + (model.accommodations.isEmpty ? "none" : model.accommodations.joined(separator: "; ")))
        if !model.settings.isEmpty {
            flow.table([["Setting", "Value"]] + model.settings.map { [$0.name, $0.value] }, columns: [0.4, 0.6], font: .small, headerFont: .smallBold)
        }
    }
}

/// The ID photo and the face photo side by side, at the same height, for a human to compare.
struct IdentityPhotos {
    let model: ReportModel
    let flow: PageFlow

    func draw() throws(ProctorError) {
        flow.heading("Identity check")
        let canvas = flow.canvas
        let boxWidth = (flow.contentWidth - 20) / 2, boxHeight = 170.0
        for (n, (label, bytes)) in [("ID photo", model.idPhoto), ("Face at start of session", model.facePhoto)].enumerated() {
            let x = flow.left + Double(n) * (boxWidth + 20)
            canvas.text(label, x: x, y: flow.y, font: .bold)
            if let bytes {
                let image = try PDFJPEG(bytes)
                let size = canvas.jpeg(image, x: x, y: flow.y + 14, maxWidth: boxWidth, maxHeight: boxHeight)
                canvas.strokeRect(x: x, y: flow.y + 14, width: size.width, height: size.height, color: .black)
            } else {
                canvas.strokeRect(x: x, y: flow.y + 14, width: boxWidth, height: boxHeight, color: .gray)
                canvas.text("not recorded", x: x, y: flow.y + 14 + boxHeight / 2 - 6, width: boxWidth, color: .gray, alignment: .center)
            }
        }
        flow.advance(boxHeight + 26)
    }
}
