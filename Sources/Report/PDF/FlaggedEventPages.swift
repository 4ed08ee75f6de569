import ProctorModel


/// One block per flagged event: when, how long, why (each measured value next to the threshold
/// it was judged against), and the evidence frames decoded at the event's time.
struct FlaggedEventPages {
    let model: ReportModel
    let flow: PageFlow

    private let frameHeight = 130.0
    /// Set by `draw`: the canvas page the section's heading landed on.
    private(set) var firstPage = 0

    mutating func draw() throws(ProctorError) {
        let flagged = model.flagged
        flow.heading("Flagged events (\(flagged.count))")
        firstPage = flow.canvas.pageNumber
        if flagged.isEmpty {
            flow.paragraph("Nothing was flagged during this session.")
            return
        }
        for (n, item) in flagged.enumerated() {
            try drawEvent(number: n + 1, of: flagged.count, index: item.index, event: item.event)
        }
    }

    private func drawEvent(number: Int, of total: Int, index: Int, event: TimelineEvent) throws(ProctorError) {
        let canvas = flow.canvas
        let frames = model.evidence[index] ?? []
        // Keep an event's heading, reasons and frames together on one page where possible.
        flow.ensureSpace(90 + (frames.isEmpty ? 0 : frameHeight + 20))
        canvas.addOutline("Flag \(number): \(event.kind) at \(ReportFormat.clock(event.start))", page: canvas.pageNumber)
        let end = event.end.map { "–\(ReportFormat.preciseClock($0))" } ?? ""
        let title = "Flag \(number) of \(total): \(event.kind) at \(ReportFormat.preciseClock(event.start))\(end)"
        canvas.fillRect(x: flow.left, y: flow.y, width: 4, height: 14, color: .flagRed)
        let review = reviewLine(index: index)
        let titleHeight = canvas.text(title, x: flow.left + 8, y: flow.y, width: flow.contentWidth - 8, font: .bold)
        if review?.dismissed == true {
            // Struck through, still legible: the flag was dismissed, not erased.
            let width = min(canvas.measure(title, font: .bold).width, flow.contentWidth - 8)
            canvas.line(from: (flow.left + 8, flow.y + titleHeight / 2), to: (flow.left + 8 + width, flow.y + titleHeight / 2), color: .black, lineWidth: 1)
        }
        flow.advance(titleHeight + 2)
        if let review { flow.paragraph(review.text, font: .smallBold) }
        let subject = event.subject.map { " · about: \($0)" } ?? ""
        flow.paragraph("Duration \(ReportFormat.duration(event.duration)) · detector \(event.detector) · confidence "
                       + String(format: "%.0f%%", event.confidence * 100) + subject, font: .small, color: .gray)
        flow.paragraph(event.message)
        let reasons = reasonRows(event)
        if !reasons.isEmpty {
            flow.table([["Measured", "Value", "Threshold", "Limit"]] + reasons, columns: [0.3, 0.2, 0.3, 0.2], font: .small, headerFont: .smallBold)
        }
        if !frames.isEmpty { try drawFrames(frames) }
        flow.advance(8)
    }

    /// Pairs each measured value with the threshold it was judged against, so a reviewer reads
    /// "meanLuma 31 | minimumLuma 40" on one line. Detectors name a threshold after what it
    /// limits ("minimumLuma" limits "meanLuma", "minimumSeconds" limits the duration), so both
    /// sides are matched on that stem. Anything without a partner gets a row of its own.
    private func reasonRows(_ event: TimelineEvent) -> [[String]] {
        var rows: [[String]] = []
        var unused = event.thresholds
        for key in event.measured.keys.sorted() {
            let value = ReportFormat.number(event.measured[key]!)
            if let limit = unused.keys.sorted().first(where: { Self.stem($0) == Self.stem(key) }) {
                rows.append([key, value, limit, ReportFormat.number(unused.removeValue(forKey: limit)!)])
            } else {
                rows.append([key, value, "", ""])
            }
        }
        for key in unused.keys.sorted() {
            let limit = ReportFormat.number(unused[key]!)
            if Self.stem(key) == "seconds" {
                rows.append(["duration", ReportFormat.number(event.duration), key, limit])
            } else {
                rows.append(["", "", key, limit])
            }
        }
        return rows
    }

    /// What a measured value or threshold is about, without its qualifier: "minimumLuma" and
    /// "meanLuma" both give "luma".
    static func stem(_ key: String) -> String {
        let lowered = key.lowercased()
        for prefix in ["minimum", "maximum", "average", "mean", "min", "max"] where lowered.hasPrefix(prefix) && lowered.count > prefix.count {
            return String(lowered.dropFirst(prefix.count))
        }
        return lowered
    }

    private func drawFrames(_ frames: [ReportModel.EvidenceFrame]) throws(ProctorError) {
        let canvas = flow.canvas
        let shown = frames.prefix(3)
        let gap = 10.0
        let boxWidth = (flow.contentWidth - gap * 2) / 3
        flow.ensureSpace(frameHeight + 16)
        var x = flow.left, tallest = 0.0
        for frame in shown {
            let image = try PDFJPEG(frame.jpeg)
            let size = canvas.jpeg(image, x: x, y: flow.y, maxWidth: boxWidth, maxHeight: frameHeight)
            canvas.strokeRect(x: x, y: flow.y, width: size.width, height: size.height, color: .black, lineWidth: 0.4)
            canvas.text("\(frame.source) at \(ReportFormat.preciseClock(frame.time))", x: x, y: flow.y + size.height + 1,
                        width: boxWidth, font: .small, color: .gray)
            tallest = max(tallest, size.height)
            x += boxWidth + gap
        }
        flow.advance(tallest + 14)
    }
}
