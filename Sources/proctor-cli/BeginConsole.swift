import Foundation
import Session
import Synchronization

/// `proctor begin` on a terminal: a live status line when stderr is a terminal, plain log
/// lines otherwise (a script, a CI log), JSON status lines on stdout with `--json`; questions
/// are asked on the terminal and answered by typing.
final class BeginConsole: SessionObserver {
    let isTerminal = isatty(STDERR_FILENO) == 1
    let inputIsTerminal = isatty(STDIN_FILENO) == 1
    let json: Bool
    /// The latest warning, shown on the status line for a while after it came.
    private let statusWarning = Mutex<(text: String, until: Date)?>(nil)
    /// The exposure line last printed off a terminal (printed again only when it changes).
    private let lastExposure = Mutex<String?>(nil)
    /// On a terminal: the question waiting for Enter (the exposure line is drawn in front of it)
    /// and the latest exposure line with its time (the room scan's status line carries it).
    private let prompting = Mutex<String?>(nil)
    private let exposure = Mutex<(line: String, at: Date)?>(nil)

    init(json: Bool) { self.json = json }

    func session(_ event: SessionEvent) {
        switch event {
        case .disclosure(let text): say(text)
        case .notice(let text): log(text)
        case .warning(let text):
            log(text)
            statusWarning.withLock { $0 = (text, Date().addingTimeInterval(Self.warningSeconds)) }
        case .progress(let progress): show(progress)
        case .sealed(_, let summary):
            endStatusLine()
            log(summary)
        }
    }

    func answer(_ question: SessionQuestion) -> String? {
        guard inputIsTerminal else { return nil }
        prompt(question)
        return readLine(strippingNewline: true)
    }

    func prompt(_ question: SessionQuestion) {
        prompting.withLock { $0 = question.prompt }
        FileHandle.standardError.write(Data(((isTerminal ? "\r\u{1B}[K" : "") + question.prompt + " ").utf8))
    }

    /// Seconds a warning stays on the status line.
    static let warningSeconds = 15.0

    /// The exposure line while photos and the room scan are taken: on the status line of a
    /// terminal, or as a log line when it changes.
    func live(_ update: LiveUpdate) {
        if case .step = update { prompting.withLock { $0 = nil } }
        guard case .exposure(let line, _) = update, !json else { return }
        if isTerminal {
            exposure.withLock { $0 = (line, Date()) }
            // Redrawn in front of the question it belongs to; during the room scan the status line shows it.
            if let prompt = prompting.withLock({ $0 }) {
                FileHandle.standardError.write(Data(("\r\u{1B}[Kcamera: " + line + " · " + prompt + " ").utf8))
            }
        } else if lastExposure.withLock({ last in defer { last = line }; return last != line }) {
            log("camera: " + line)
        }
    }

    /// Text the student must read (disclosure, instructions): stdout.
    private func say(_ text: String) {
        FileHandle.standardOutput.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    /// A log line on stderr, ending any status line first.
    private func log(_ text: String) {
        let prefix = isTerminal ? "\r\u{1B}[K" : ""
        FileHandle.standardError.write(Data((prefix + "proctor: " + text + "\n").utf8))
    }

    private func endStatusLine() {
        if isTerminal, !json { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    private func show(_ progress: RecordingProgress) {
        if json {
            var fields: [String: Any] = ["elapsed": progress.elapsed, "remaining": progress.remaining, "recording": progress.recording,
                                         "sealedBytes": progress.sealedBytes, "freeBytes": progress.freeBytes ?? -1,
                                         "droppedFrames": progress.droppedFrames]
            if progress.practice { fields["practice"] = true }
            if let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]) {
                FileHandle.standardOutput.write(Data((String(decoding: data, as: UTF8.self) + "\n").utf8))
            }
            return
        }
        let what = progress.recording.isEmpty ? "nothing (exempt)" : progress.recording.joined(separator: "+")
        var line = (progress.practice ? "PRACTICE · " : "") + "REC \(HumanUnits.clock(progress.elapsed)) · \(HumanUnits.clock(progress.remaining)) left · \(what) · \(HumanUnits.bytes(progress.sealedBytes)) sealed"
        if let free = progress.freeBytes { line += " · \(HumanUnits.bytes(free)) free" }
        if progress.droppedFrames > 0 { line += " · \(progress.droppedFrames) frames late" }
        if let seen = exposure.withLock({ $0 }), Date().timeIntervalSince(seen.at) < 2 { line += " · camera: " + seen.line }
        if let warning = statusWarning.withLock({ $0 }), warning.until > Date() { line += " · ⚠ " + warning.text }
        if isTerminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
        } else if Int(progress.elapsed.rounded()) % 10 == 0 {
            // Off a terminal, one line every 10 s is plenty for a log.
            log(line)
        }
    }
}
