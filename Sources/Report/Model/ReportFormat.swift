import Foundation

/// How times, durations and numbers are written in every report format, so the PDF, the CSV
/// and the class overview say the same thing the same way.
enum ReportFormat {
    /// Media time as H:MM:SS (a reviewer seeks to this in a player).
    static func clock(_ seconds: Double) -> String {
        let total = Int(max(0, seconds).rounded(.down))
        return String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
    }

    /// Media time with tenths, for event tables where a second is too coarse. Truncated, not
    /// rounded: seeking a player to the printed time must land at or before the event.
    static func preciseClock(_ seconds: Double) -> String {
        let tenths = Int((max(0, seconds) * 10 + 1e-6).rounded(.down))
        return clock(Double(tenths / 10)) + ".\(tenths % 10)"
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        let total = Int(seconds.rounded())
        if total < 3600 { return String(format: "%d min %02d s", total / 60, total % 60) }
        return String(format: "%d h %02d min", total / 3600, total / 60 % 60)
    }

    /// Measured values and thresholds: integers without decimals, others to 3 significant places.
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e9 { return String(Int(value)) }
        return String(format: "%.3g", value)
    }

    static func date(_ date: Date?) -> String {
        guard let date else { return "unknown" }
        return dateFormatter.string(from: date) + " UTC"
    }

    /// `YYYYMMDDTHHMMSS` in UTC, for file names.
    static func compactDate(_ date: Date) -> String {
        let formatter = dateFormatter
        formatter.dateFormat = "yyyyMMdd'T'HHmmss"
        return formatter.string(from: date)
    }

    /// ISO 8601 with a Z, for JSON and CSV.
    static func iso(_ date: Date?) -> String? {
        date.map { isoFormatter.string(from: $0) }
    }

    private static var dateFormatter: DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter
    }

    private static var isoFormatter: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter
    }
}
