/// Top-to-bottom layout over a canvas: keeps the current y, breaks pages when a block does not
/// fit, and puts the same footer on every page so a printed page can be traced to its report.
final class PageFlow {
    let canvas: PDFCanvas
    let margin = 42.0
    private let footer: String
    private(set) var y: Double
    /// Pages this flow started (a report inside a larger document counts only its own).
    private(set) var pagesUsed = 1

    init(canvas: PDFCanvas, footer: String) {
        self.canvas = canvas
        self.footer = footer
        self.y = margin
        drawFooter()
    }

    var left: Double { margin }
    var contentWidth: Double { canvas.width - 2 * margin }
    private var bottom: Double { canvas.height - margin - 14 }

    /// Starts a new page unless `height` still fits below the current position.
    func ensureSpace(_ height: Double) {
        if y + height > bottom { newPage() }
    }

    func newPage() {
        canvas.newPage()
        pagesUsed += 1
        y = margin
        drawFooter()
    }

    func advance(_ height: Double) { y += height }

    func heading(_ text: String) {
        ensureSpace(40)
        y += 6
        y += canvas.text(text, x: left, y: y, width: contentWidth, font: .heading)
        canvas.line(from: (left, y + 2), to: (left + contentWidth, y + 2), color: .gray, lineWidth: 0.6)
        y += 8
    }

    /// Wrapped paragraph at the current position.
    func paragraph(_ text: String, font: PDFFont = .body, color: PDFColor = .black, indent: Double = 0) {
        let height = canvas.measure(text, width: contentWidth - indent, font: font).height
        ensureSpace(height)
        canvas.text(text, x: left + indent, y: y, width: contentWidth - indent, font: font, color: color)
        y += height + 3
    }

    /// A table: the first row is the header (bold, underlined); columns are fractions of the width.
    func table(_ rows: [[String]], columns: [Double], font: PDFFont = .body, headerFont: PDFFont = .bold) {
        let widths = columns.map { $0 * contentWidth }
        for (n, row) in rows.enumerated() {
            let cellFont = n == 0 ? headerFont : font
            let height = zip(row, widths).map { canvas.measure($0, width: $1 - 4, font: cellFont).height }.max() ?? 0
            ensureSpace(height + 3)
            var x = left
            for (cell, width) in zip(row, widths) {
                canvas.text(cell, x: x, y: y, width: width - 4, font: cellFont)
                x += width
            }
            y += height + 2
            if n == 0 { canvas.line(from: (left, y), to: (left + contentWidth, y), color: .black, lineWidth: 0.5) }
            y += 1
        }
        y += 4
    }

    private func drawFooter() {
        let baseline = canvas.height - margin + 2
        canvas.line(from: (left, baseline - 3), to: (left + contentWidth, baseline - 3), color: .lightGray, lineWidth: 0.4)
        canvas.text(footer, x: left, y: baseline, width: contentWidth * 0.8, font: .small, color: .gray)
        canvas.text("page \(canvas.pageNumber)", x: left, y: baseline, width: contentWidth, font: .small, color: .gray, alignment: .right)
    }
}
