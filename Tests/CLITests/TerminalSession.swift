import Foundation
import XCTest

/// A command on a real pseudo-terminal: util-linux `script` gives it a controlling
/// terminal, and a test types each answer only after its prompt appears, as a person
/// would. Waiting on what is shown, never on fixed sleeps, keeps a slow machine from
/// typing into a program that is not listening yet.
final class TerminalSession {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var shown = Data()
    var transcript: String { String(decoding: shown, as: UTF8.self) }

    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/script") }

    init(_ arguments: [String], environment: [String: String]) throws {
        // `exec`: no shell may stay between the pty and the program, or a Ctrl-C would also kill
        // that shell and `script -e` would report its 130 instead of the program's status.
        let command = "exec " + arguments.map { "'\($0)'" }.joined(separator: " ")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qfec", command, "/dev/null"]
        process.environment = environment.merging(["SHELL": "/bin/sh"]) { $1 }
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
    }

    /// Waits until `text` appears after byte `offset` of the output; returns the offset just
    /// past it, so the next wait can ask for a later occurrence. The timeout is checked as
    /// output arrives, which a recording's once-a-second status line guarantees.
    @discardableResult
    func waitFor(_ text: String, after offset: Int = 0, timeout: TimeInterval = 60) throws -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let found = shown.range(of: Data(text.utf8), in: min(offset, shown.count)..<shown.count) { return found.upperBound }
            guard Date() < deadline else { throw Failure("no '\(text)' within \(Int(timeout)) s in: \(transcript)") }
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw Failure("the output ended before '\(text)': \(transcript)") }
            shown.append(chunk)
        }
    }

    func type(_ text: String) {
        input.fileHandleForWriting.write(Data(text.utf8))
    }

    /// Reads the rest of the output and returns the command's exit status.
    func finish() -> Int32 {
        try? input.fileHandleForWriting.close()
        shown.append(output.fileHandleForReading.readDataToEndOfFile())
        process.waitUntilExit()
        return process.terminationStatus
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
