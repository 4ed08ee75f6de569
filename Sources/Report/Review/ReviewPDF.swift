import ProctorModel

/// Page 1's review frame, under the score: who reviewed and when (or why the review file was
/// not used), the score after review beside the original, and the reviewer's summary note.
struct ReviewBox {
    let model: ReportModel
    let flow: PageFlow

    func draw() {
        guard let review = model.review else { return }
        let canvas = flow.canvas
        var lines = [review.line]
        if review.status == .valid {
            lines.append(review.reviewed ? "Attempt marked as reviewed." : "Attempt not yet marked as reviewed.")
            if let score = review.score {
                lines.append(String(format: "Score after review: %.0f / 100 (original score %.0f / 100), ", score, model.suspicion.score)
                             + "\(review.dismissedCount) dismissed flag(s) left out, weights: \(review.weightsLine ?? "the exam's weights")")
            }
            let decided = Dictionary(grouping: review.decisions.values, by: \.disposition).mapValues(\.count)
            lines.append(ReviewDocument.Disposition.allCases.map { "\($0.label.lowercased()) \(decided[$0] ?? 0)" }.joined(separator: ", ")
                         + ", undecided \(model.flagged.count - review.decisions.count)")
            if !review.note.isEmpty { lines.append("Reviewer's note: " + review.note) }
        }
        flow.heading("Instructor review")
        let text = lines.joined(separator: "\n")
        let height = canvas.measure(text, width: flow.contentWidth - 24, font: .small).height + 10
        flow.ensureSpace(height)
        if review.status == .valid {
            canvas.strokeRect(x: flow.left, y: flow.y, width: flow.contentWidth, height: height, color: .black, lineWidth: 1)
        } else {
            // Like a failed integrity check: a review that was changed must not pass unnoticed in print.
            canvas.fillRect(x: flow.left, y: flow.y, width: 8, height: height, color: .flagRed)
            canvas.hatch(x: flow.left, y: flow.y, width: 8, height: height, color: .black)
            canvas.strokeRect(x: flow.left, y: flow.y, width: flow.contentWidth, height: height, color: .black, lineWidth: 2.5)
        }
        canvas.text(text, x: flow.left + 16, y: flow.y + 5, width: flow.contentWidth - 24, font: .small)
        flow.advance(height + 6)
    }
}

extension FlaggedEventPages {
    /// The reviewer's decision under a flag's title: "DISMISSED by NAME: note".
    func reviewLine(index: Int) -> (text: String, dismissed: Bool)? {
        guard let review = model.review, let decision = review.decisions[index] else { return nil }
        let note = decision.note.isEmpty ? "" : ": " + decision.note
        let scored = decision.disposition == .dismiss ? " (left out of the score after review)" : ""
        return ("Review: \(decision.disposition.label) by \(review.reviewer ?? "the reviewer")\(scored)\(note)", decision.disposition == .dismiss)
    }
}
