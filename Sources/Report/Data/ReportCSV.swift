
/// One row per timeline event (RFC 4180: comma-separated, CRLF line ends, fields quoted when
/// they hold a comma, quote or line break), for gradebook and spreadsheet import. Several
/// students' rows can be concatenated under one header: every row names its student and exam.
public enum ReportCSV {
    public static let header = ["student_id", "exam_id", "event_index", "kind", "detector", "severity",
                                "start_seconds", "end_seconds", "duration_seconds", "start_clock", "confidence",
                                "measured", "thresholds", "subject", "message", "integrity_verified",
                                "exam_trusted", "origin_attested", "practice", "open"]

    public static func headerLine() -> String { line(header) }

    /// The rows of one report, without the header.
    public static func rows(_ model: ReportModel) -> String {
        model.timeline.enumerated().map { index, event in
            line([model.student.id, model.exam.id, String(index), event.kind, event.detector, event.severity.rawValue,
                  number(event.start), event.end.map(number) ?? "", number(event.duration),
                  ReportFormat.preciseClock(event.start), number(event.confidence),
                  pairs(event.measured), pairs(event.thresholds), event.subject ?? "", event.message,
                  model.integrity.verified ? "true" : "false", model.provenance.exam.trusted ? "true" : "false",
                  model.provenance.originAttested ? "true" : "false", model.practice ? "true" : "false",
                  event.isOpen ? "true" : "false"])
        }.joined()
    }

    public static func document(_ models: [ReportModel]) -> String {
        headerLine() + models.map(rows).joined()
    }

    /// `name=value` pairs in name order, separated by semicolons.
    static func pairs(_ values: [String: Double]) -> String {
        values.keys.sorted().map { "\($0)=\(number(values[$0]!))" }.joined(separator: ";")
    }

    /// Plain decimal notation (no exponent), at most 3 decimals: spreadsheets parse it everywhere.
    static func number(_ value: Double) -> String {
        var text = String(format: "%.3f", value)
        while text.contains("."), text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    static func line(_ fields: [String]) -> String {
        fields.map(quote).joined(separator: ",") + "\r\n"
    }

    static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
