import Detect
import Encode
import Foundation
import Session

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
        let (status, message, detail): (Int32, String, String?)
        switch error {
        case let error as SessionError:
            (status, message, detail) = (code(for: error.code), error.message, error.detail)
        case let error as EncodeError:
            (status, message, detail) = (code(for: error.code), error.message, error.detail)
        case let error as DetectError:
            (status, message, detail) = (code(for: error.code), error.message, error.detail)
        default:
            return nil
        }
        var line = "proctor: \(message)"
        if let detail, verboseRequested { line += " (\(detail))" }
        FileHandle.standardError.write(Data((line + "\n").utf8))
        return status
    }

    static func code(for code: SessionError.Code) -> Int32 {
        switch code {
        case .usage: usage
        case .badData, .verification: dataError
        case .missingInput: noInput
        case .unavailable: unavailable
        case .io: ioError
        case .key, .permission: permission
        default: software
        }
    }

    static func code(for code: EncodeError.Code) -> Int32 {
        switch code {
        case .usage: usage
        case .badData: dataError
        case .missingInput: noInput
        case .deviceUnavailable, .deviceBusy, .unsupported: unavailable
        case .io: ioError
        default: software
        }
    }

    static func code(for code: DetectError.Code) -> Int32 {
        switch code {
        case .usage: usage
        case .badData: dataError
        case .missingModel: unavailable
        default: software
        }
    }

    /// Errors are reported before option parsing can hand us the flag, so look for it directly.
    private static var verboseRequested: Bool {
        CommandLine.arguments.contains("--verbose") || CommandLine.arguments.contains("-v")
    }
}
