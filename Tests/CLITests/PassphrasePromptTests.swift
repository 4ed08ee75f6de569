import Foundation
import XCTest

/// The no-echo passphrase prompt, on a real pseudo-terminal (see TerminalSession).
final class PassphrasePromptTests: XCTestCase {
    func testKeygenAsksTwiceWithoutEchoAndTheKeyOpensWithThatPassphrase() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prompt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        var environment = ProcessInfo.processInfo.environment
        environment["PROCTOR_PASSPHRASE"] = nil
        let terminal = try TerminalSession([ProctorBinary.url.path, "keygen", "--name", "typed", "--out", directory.path],
                                           environment: environment)
        var shown = try terminal.waitFor("New passphrase for typed.key: ")
        terminal.type("tty-secret-42\n")
        shown = try terminal.waitFor("Repeat the passphrase: ", after: shown)
        terminal.type("tty-secret-42\n")
        try terminal.waitFor("proctor-pub-v2 typed ", after: shown)
        XCTAssertEqual(terminal.finish(), 0, terminal.transcript)
        XCTAssertFalse(terminal.transcript.contains("tty-secret-42"), "the passphrase was echoed: \(terminal.transcript)")

        // The key opens with what was typed.
        let dummy = directory.appendingPathComponent("settings.toml")
        try "[exam]\nid = \"p\"\ntitle = \"P\"\ntime_limit_minutes = 5\n".write(to: dummy, atomically: true, encoding: .utf8)
        let key = directory.appendingPathComponent("typed.key").path
        let good = try ProctorBinary.run(["exam", "create", "--settings", dummy.path, "--key", key, "--out", directory.appendingPathComponent("p.exam").path],
                                         environment: ["PROCTOR_PASSPHRASE": "tty-secret-42"])
        XCTAssertEqual(good.status, 0, good.stderr)
    }
}
