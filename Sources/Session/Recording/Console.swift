import Foundation

/// Where a session talks to the student: a live status line when stderr is a terminal,
/// plain log lines otherwise (a script, a CI log).
struct Console: Sendable {
    let isTerminal: Bool
    let inputIsTerminal: Bool
    let json: Bool

    init(json: Bool) {
        isTerminal = isatty(STDERR_FILENO) == 1
        inputIsTerminal = isatty(STDIN_FILENO) == 1
        self.json = json
    }

    /// Text the student must read (disclosure, instructions): stdout.
    func say(_ text: String) {
        FileHandle.standardOutput.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    /// A log line on stderr, ending any status line first.
    func log(_ text: String) {
        let prefix = isTerminal ? "\r\u{1B}[K" : ""
        FileHandle.standardError.write(Data((prefix + "proctor: " + text + "\n").utf8))
    }

    /// Rewrites the one-line status on a terminal; off a terminal, logs it.
    func status(_ text: String) {
        if json {
            FileHandle.standardOutput.write(Data((text + "\n").utf8))
        } else if isTerminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
        } else {
            log(text)
        }
    }

    func endStatusLine() {
        if isTerminal, !json { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    /// Asks a question on the terminal; nil when there is no one to ask.
    func ask(_ question: String) -> String? {
        guard inputIsTerminal else { return nil }
        FileHandle.standardError.write(Data(((isTerminal ? "\r\u{1B}[K" : "") + question + " ").utf8))
        return readLine(strippingNewline: true)
    }

    static func clock(_ seconds: Double) -> String {
        let total = max(0, Int(seconds.rounded(.down)))
        return String(format: "%02d:%02d:%02d", total / 3600, total % 3600 / 60, total % 60)
    }

    static func bytes(_ count: Int64) -> String {
        let value = Double(count)
        if value >= 1e9 { return String(format: "%.1f GB", value / 1e9) }
        if value >= 1e6 { return String(format: "%.1f MB", value / 1e6) }
        return String(format: "%.0f kB", value / 1e3)
    }
}
