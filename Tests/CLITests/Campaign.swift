import Foundation

/// Runs the fault-campaign scripts (scripts/faults) and other built executables from tests: the
/// short campaigns in `make test` are the same scripts `make faults` runs long.
enum Campaign {
    /// The checkout this test file belongs to (Tests/CLITests/Campaign.swift -> ../..).
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Where `swift build` put `proctor` and the other executables.
    static var productsDirectory: URL { ProctorBinary.url.deletingLastPathComponent() }

    /// Runs `executable` to completion, capturing status and output.
    static func run(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> ProctorRun {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        // stderr goes to a file so a chatty script can never fill a pipe and stall.
        let errFile = FileManager.default.temporaryDirectory.appendingPathComponent("campaign-\(UUID().uuidString).err")
        FileManager.default.createFile(atPath: errFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errFile) }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = try FileHandle(forWritingTo: errFile)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ProctorRun(status: process.terminationStatus,
                          stdout: String(decoding: outData, as: UTF8.self),
                          stderr: (try? String(contentsOf: errFile, encoding: .utf8)) ?? "")
    }

    /// Runs scripts/faults/NAME.sh against the built proctor; `summary` is its last stdout line.
    static func script(_ name: String, _ arguments: [String] = [], environment: [String: String] = [:]) throws -> (run: ProctorRun, summary: String) {
        var env = environment
        env["PROCTOR"] = ProctorBinary.url.path
        let run = try run(URL(fileURLWithPath: "/bin/bash"),
                          [repositoryRoot.appendingPathComponent("scripts/faults/\(name).sh").path] + arguments,
                          environment: env)
        let summary = run.stdout.split(separator: "\n").last.map(String.init) ?? ""
        return (run, summary)
    }
}

extension Campaign {
    /// `key=value` fields of a summary line ("kill9: trials=3 verified=3 ...").
    static func fields(_ summary: String) -> [String: String] {
        var fields: [String: String] = [:]
        for word in summary.split(separator: " ") {
            guard let equals = word.firstIndex(of: "=") else { continue }
            fields[String(word[..<equals])] = String(word[word.index(after: equals)...])
        }
        return fields
    }
}
