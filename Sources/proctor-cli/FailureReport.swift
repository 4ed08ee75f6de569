import Foundation
import ProctorModel

/// Maps each module's error to a sysexits-style code (docs/cli.md) and prints it as one line.
enum FailureReport {
    static let usage: Int32 = 64
    static let dataError: Int32 = 65
    static let noInput: Int32 = 66
    static let unavailable: Int32 = 69
    static let software: Int32 = 70
    static let ioError: Int32 = 74
    static let permission: Int32 = 77

    /// nil means "not ours": let swift-argument-parser report it (usage errors, --help).
    static func exitStatus(for error: Error) -> Int32? {
        guard let error = error as? ProctorError else { return nil }
        var line = "proctor: \(error.message)"
        if let detail = error.detail, verboseRequested { line += " (\(detail))" }
        FileHandle.standardError.write(Data((line + "\n").utf8))
        return code(for: error.code)
    }

    static func code(for code: ProctorError.Code) -> Int32 {
        switch code {
        case .usage: usage
        case .badData, .verification: dataError
        case .missingInput: noInput
        case .unavailable, .deviceUnavailable, .deviceBusy, .unsupported, .missingModel: unavailable
        case .io: ioError
        case .key, .permission: permission
        default: software
        }
    }

    /// Errors are reported before option parsing can hand us the flag, so look for it directly.
    private static var verboseRequested: Bool {
        CommandLine.arguments.contains("--verbose") || CommandLine.arguments.contains("-v")
    }
}
