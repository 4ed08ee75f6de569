import Foundation

/// Runs a program found on PATH (pdftotext, ffprobe, ffmpeg, the built proctor) and returns
/// its stdout; a non-zero exit throws, naming the command, so a test failure says what failed.
public enum CommandOutput {
    @discardableResult
    public static func run(_ name: String, _ arguments: [String]) throws -> String {
        String(decoding: try runData(name, arguments), as: UTF8.self)
    }

    /// The same, for a program whose stdout is bytes (ffmpeg writing raw video).
    /// `environment`: the whole environment the program gets (nil: this process's).
    public static func runData(_ name: String, _ arguments: [String], environment: [String: String]? = nil) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [name] + arguments
        if let environment { process.environment = environment }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "CommandOutput", code: Int(process.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: "\(name) \(arguments) exited \(process.terminationStatus)"])
        }
        return data
    }
}
