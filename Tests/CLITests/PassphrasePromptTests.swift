import Foundation
import XCTest

/// The no-echo passphrase prompt, on a real pseudo-terminal: `script` gives proctor a
/// controlling terminal, and each answer is typed only after its prompt appears, as a person would.
final class PassphrasePromptTests: XCTestCase {
    func testKeygenAsksTwiceWithoutEchoAndTheKeyOpensWithThatPassphrase() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prompt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", "'\(ProctorBinary.url.path)' keygen --name typed --out '\(directory.path)'", "/dev/null"]
        var environment = ProcessInfo.processInfo.environment
        environment["PROCTOR_PASSPHRASE"] = nil
        process.environment = environment
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()

        var transcript = ""
        func waitFor(_ text: String) throws {
            let deadline = Date().addingTimeInterval(30)
            while !transcript.contains(text) {
                guard Date() < deadline else { return XCTFail("no '\(text)' in: \(transcript)") }
                let chunk = output.fileHandleForReading.availableData
                guard !chunk.isEmpty else { return XCTFail("output ended before '\(text)': \(transcript)") }
                transcript += String(decoding: chunk, as: UTF8.self)
            }
        }
        try waitFor("New passphrase for typed.key: ")
        input.fileHandleForWriting.write(Data("tty-secret-42\n".utf8))
        try waitFor("Repeat the passphrase: ")
        input.fileHandleForWriting.write(Data("tty-secret-42\n".utf8))
        try waitFor("proctor-pub-v1 typed ")
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, transcript)
        XCTAssertFalse(transcript.contains("tty-secret-42"), "the passphrase was echoed: \(transcript)")

        // The key opens with what was typed.
        let dummy = directory.appendingPathComponent("settings.toml")
        try "[exam]\nid = \"p\"\ntitle = \"P\"\ntime_limit_minutes = 5\n".write(to: dummy, atomically: true, encoding: .utf8)
        let key = directory.appendingPathComponent("typed.key").path
        let good = try ProctorBinary.run(["exam", "create", "--settings", dummy.path, "--key", key, "--out", directory.appendingPathComponent("p.exam").path],
                                         environment: ["PROCTOR_PASSPHRASE": "tty-secret-42"])
        XCTAssertEqual(good.status, 0, good.stderr)
    }
}
