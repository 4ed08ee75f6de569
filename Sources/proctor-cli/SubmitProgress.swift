import Foundation
import Synchronization
import Delivery

/// Draws delivery progress on stderr: a redrawn bar on a terminal, plain lines otherwise (logs,
/// CI, an LMS wrapper reading the output). Called from URLSession's delegate thread.
final class SubmitProgress: Sendable {
    fileprivate struct Drawn {
        let terminal = isatty(STDERR_FILENO) == 1
        var lastDraw = Date.distantPast
        /// Plain lines every 10%, starting at 10%: a log wants milestones, not a line per packet.
        var lastTenth = 0
        var barShown = false
    }

    private let drawn = Mutex(Drawn())

    func show(_ event: DeliveryEvent) {
        drawn.withLock { drawn in
            switch event {
            case .hashing(let done, let total) where done == 0:
                drawn.line("Checking \(total) bytes…")
            case .hashing:
                break
            case .sending(let done, let total):
                drawn.bar(done, total)
            case .resumed(let there, let total):
                if !drawn.terminal { drawn.line("Resuming: \(there) of \(total) bytes already delivered") } else { drawn.bar(there, total) }
            case .retrying(let attempt, let of, let delay, let reason):
                drawn.line(String(format: "Network fault (%@); retry %d of %d in %.1f s", reason, attempt, of - 1, delay))
            case .verifying:
                drawn.line("Verifying what arrived…")
            }
        }
    }

    /// Leaves the cursor on a fresh line so that the result or error prints cleanly.
    func end() {
        drawn.withLock { drawn in
            if drawn.barShown { Drawn.write("\n") }
            drawn.barShown = false
        }
    }
}

extension SubmitProgress.Drawn {

    mutating func bar(_ done: Int64, _ total: Int64) {
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        if terminal {
            // Ten redraws a second are plenty to read and cheap on a slow terminal.
            guard done == total || Date().timeIntervalSince(lastDraw) > 0.1 else { return }
            lastDraw = Date()
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            Self.write(String(format: "\r[%@] %3d%% %.1f/%.1f MiB", bar, Int(fraction * 100), Double(done) / 1_048_576, Double(total) / 1_048_576))
            barShown = true
        } else {
            let tenth = Int(fraction * 10)
            guard tenth > lastTenth else { return }
            lastTenth = tenth
            Self.write("Sent \(tenth * 10)% (\(done) of \(total) bytes)\n")
        }
    }

    mutating func line(_ text: String) {
        if barShown { Self.write("\n") }
        barShown = false
        Self.write(text + "\n")
    }

    static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
