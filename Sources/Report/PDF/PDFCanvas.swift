internal import CCairo
import ProctorModel

/// A PDF file being drawn: owns the cairo PDF surface, its drawing context and one reusable
/// pango layout. The only place in proctor that calls cairo or pango; everything above works in
/// points (1/72 inch) on an A4 page with the origin at the top left.
final class PDFCanvas {
    static let a4Width = 595.276
    static let a4Height = 841.89

    let width: Double
    let height: Double
    /// 1-based number of the page being drawn.
    private(set) var pageNumber = 1
    private let surface: OpaquePointer
    private let cr: OpaquePointer
    private let layout: OpaquePointer
    private let path: String
    /// Declared last so it outlives the surface: destroying an unfinished surface still writes.
    private let output: OutputFile

    init(path: String, width: Double = PDFCanvas.a4Width, height: Double = PDFCanvas.a4Height) throws(ProctorError) {
        let output = try OutputFile(path: path, noun: "the PDF")
        let write: cairo_write_func_t = { closure, data, length in
            let output = Unmanaged<OutputFile>.fromOpaque(closure!).takeUnretainedValue()
            output.write(UnsafeRawBufferPointer(start: data, count: Int(length)))
            return CAIRO_STATUS_SUCCESS
        }
        guard let surface = cairo_pdf_surface_create_for_stream(write, Unmanaged.passUnretained(output).toOpaque(), width, height) else {
            throw ProctorError(.io, "cannot create the PDF file \(path)")
        }
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else {
            cairo_surface_destroy(surface)
            throw ProctorError(.io, "cannot create the PDF file \(path)", detail: PDFCanvas.describe(status))
        }
        guard let cr = cairo_create(surface), let layout = pango_cairo_create_layout(cr) else {
            cairo_surface_destroy(surface)
            throw ProctorError(.internalFailure, "cairo could not start drawing \(path)")
        }
        self.output = output
        self.surface = surface
        self.cr = cr
        self.layout = layout
        self.path = path
        self.width = width
        self.height = height
        // PDF 1.5 keeps the file readable by every viewer while allowing object streams.
        cairo_pdf_surface_restrict_to_version(surface, CAIRO_PDF_VERSION_1_5)
    }

    deinit {
        g_object_unref(UnsafeMutableRawPointer(layout))
        cairo_destroy(cr)
        cairo_surface_destroy(surface)
    }

    /// Title and author land in the PDF's Info dictionary (pdfinfo shows them).
    func setMetadata(title: String, author: String, subject: String, creator: String) {
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_AUTHOR, author)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_SUBJECT, subject)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, creator)
    }

    /// A bookmark in the viewer's outline pointing at `page`; returns its id for children.
    @discardableResult
    func addOutline(_ title: String, page: Int, parent: Int32 = 0) -> Int32 {
        cairo_pdf_surface_add_outline(surface, parent, title, "page=\(page)", cairo_pdf_outline_flags_t(0))
    }

    func newPage() {
        cairo_show_page(cr)
        pageNumber += 1
    }

    /// Writes the trailer and gives the file its name; any drawing or write error surfaces
    /// here, and then no file is left under any name.
    func finish() throws(ProctorError) {
        let before = cairo_surface_status(surface)
        guard before == CAIRO_STATUS_SUCCESS else {
            throw ProctorError(.io, "writing the PDF \(path) failed", detail: PDFCanvas.describe(before))
        }
        cairo_surface_finish(surface)
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw ProctorError(.io, "writing the PDF \(path) failed", detail: PDFCanvas.describe(status))
        }
        try output.commit()
    }

    // MARK: Shapes

    func setColor(_ color: PDFColor) {
        cairo_set_source_rgb(cr, color.red, color.green, color.blue)
    }

    func fillRect(x: Double, y: Double, width: Double, height: Double, color: PDFColor) {
        setColor(color)
        cairo_rectangle(cr, x, y, width, height)
        cairo_fill(cr)
    }

    func strokeRect(x: Double, y: Double, width: Double, height: Double, color: PDFColor, lineWidth: Double = 0.5) {
        setColor(color)
        cairo_set_line_width(cr, lineWidth)
        cairo_rectangle(cr, x, y, width, height)
        cairo_stroke(cr)
    }

    func line(from: (Double, Double), to: (Double, Double), color: PDFColor, lineWidth: Double = 0.5, dash: [Double] = []) {
        polyline([from, to], color: color, lineWidth: lineWidth, dash: dash)
    }

    func polyline(_ points: [(Double, Double)], color: PDFColor, lineWidth: Double = 0.5, dash: [Double] = []) {
        guard let first = points.first else { return }
        setColor(color)
        cairo_set_line_width(cr, lineWidth)
        cairo_set_dash(cr, dash, Int32(dash.count), 0)
        cairo_move_to(cr, first.0, first.1)
        for point in points.dropFirst() { cairo_line_to(cr, point.0, point.1) }
        cairo_stroke(cr)
        cairo_set_dash(cr, nil, 0, 0)
    }

    /// Diagonal hatching inside a rectangle, so a span reads as flagged without colour.
    func hatch(x: Double, y: Double, width: Double, height: Double, color: PDFColor, spacing: Double = 3) {
        cairo_save(cr)
        cairo_rectangle(cr, x, y, width, height)
        cairo_clip(cr)
        setColor(color)
        cairo_set_line_width(cr, 0.6)
        var offset = -height
        while offset < width {
            cairo_move_to(cr, x + offset, y + height)
            cairo_line_to(cr, x + offset + height, y)
            offset += spacing
        }
        cairo_stroke(cr)
        cairo_restore(cr)
    }

    // MARK: Text

    /// Draws `text` with its top-left corner at (x, y), wrapped to `width` when given, and
    /// returns the height it took.
    @discardableResult
    func text(_ text: String, x: Double, y: Double, width: Double? = nil, font: PDFFont = .body,
              color: PDFColor = .black, alignment: PDFTextAlignment = .left) -> Double {
        configureLayout(text, width: width, font: font, alignment: alignment)
        setColor(color)
        cairo_move_to(cr, x, y)
        pango_cairo_show_layout(cr, layout)
        return layoutSize().height
    }

    /// The size `text` would take, without drawing it.
    func measure(_ text: String, width: Double? = nil, font: PDFFont = .body) -> (width: Double, height: Double) {
        configureLayout(text, width: width, font: font, alignment: .left)
        return layoutSize()
    }

    private func configureLayout(_ text: String, width: Double?, font: PDFFont, alignment: PDFTextAlignment) {
        let description = pango_font_description_from_string(font.pangoDescription)
        pango_layout_set_font_description(layout, description)
        pango_font_description_free(description)
        let scale = Double(proctor_pango_scale())
        pango_layout_set_width(layout, width.map { Int32($0 * scale) } ?? -1)
        pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR)
        switch alignment {
        case .left: pango_layout_set_alignment(layout, PANGO_ALIGN_LEFT)
        case .center: pango_layout_set_alignment(layout, PANGO_ALIGN_CENTER)
        case .right: pango_layout_set_alignment(layout, PANGO_ALIGN_RIGHT)
        }
        pango_layout_set_text(layout, text, -1)
        pango_cairo_update_layout(cr, layout)
    }

    private func layoutSize() -> (width: Double, height: Double) {
        var w: Int32 = 0, h: Int32 = 0
        pango_layout_get_size(layout, &w, &h)
        let scale = Double(proctor_pango_scale())
        return (Double(w) / scale, Double(h) / scale)
    }

    // MARK: Images

    /// Draws a JPEG scaled into the box (keeping its aspect ratio) and returns the drawn size.
    /// The JPEG bytes are attached as the surface's mime data, so cairo's PDF backend embeds
    /// the JPEG stream itself (DCTDecode) instead of re-compressing pixels: the evidence in the
    /// report is the exact frame that was decoded, and the PDF stays small.
    @discardableResult
    func jpeg(_ image: PDFJPEG, x: Double, y: Double, maxWidth: Double, maxHeight: Double) -> (width: Double, height: Double) {
        let scale = min(maxWidth / Double(image.width), maxHeight / Double(image.height))
        let drawnWidth = Double(image.width) * scale, drawnHeight = Double(image.height) * scale
        cairo_save(cr)
        cairo_translate(cr, x, y)
        cairo_scale(cr, scale, scale)
        cairo_set_source_surface(cr, image.surface, 0, 0)
        cairo_paint(cr)
        cairo_restore(cr)
        return (drawnWidth, drawnHeight)
    }

    static func describe(_ status: cairo_status_t) -> String {
        "cairo status \(status.rawValue): " + String(cString: cairo_status_to_string(status))
    }
}

struct PDFColor: Equatable {
    var red: Double, green: Double, blue: Double
    static let black = PDFColor(red: 0, green: 0, blue: 0)
    static let white = PDFColor(red: 1, green: 1, blue: 1)
    static let gray = PDFColor(red: 0.45, green: 0.45, blue: 0.45)
    static let lightGray = PDFColor(red: 0.85, green: 0.85, blue: 0.85)
    static let paleGray = PDFColor(red: 0.95, green: 0.95, blue: 0.95)
    static let flagRed = PDFColor(red: 0.85, green: 0.2, blue: 0.15)
    static let paleRed = PDFColor(red: 1, green: 0.88, blue: 0.85)
    static let okGreen = PDFColor(red: 0.1, green: 0.5, blue: 0.2)
    static let blue = PDFColor(red: 0.15, green: 0.3, blue: 0.7)
}

/// Fonts by role. DejaVu ships with Debian (fonts-dejavu-core) and cairo embeds the subset used.
enum PDFFont {
    case title, heading, body, bold, small, smallBold, mono

    var pangoDescription: String {
        switch self {
        case .title: "DejaVu Sans Bold 17"
        case .heading: "DejaVu Sans Bold 12"
        case .body: "DejaVu Sans 9.5"
        case .bold: "DejaVu Sans Bold 9.5"
        case .small: "DejaVu Sans 7.5"
        case .smallBold: "DejaVu Sans Bold 7.5"
        case .mono: "DejaVu Sans Mono 8.5"
        }
    }
}

enum PDFTextAlignment { case left, center, right }
