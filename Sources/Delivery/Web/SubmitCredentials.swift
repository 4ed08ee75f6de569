import Foundation
import ProctorModel

/// The user name and password for an HTTP(S) destination, sent as HTTP Basic authentication
/// to that destination's origin only. Taken from `PROCTOR_SUBMIT_CREDENTIALS` or a file
/// (`--credentials-file`), never from the command line or the URL, where `ps`, shell history
/// and logs would show them; never printed (its description is a placeholder).
public struct SubmitCredentials: Sendable, Equatable, CustomStringConvertible {
    public static let environmentVariable = "PROCTOR_SUBMIT_CREDENTIALS"

    let user: String
    let password: String

    /// `user:password` (the first line; the password may contain ':').
    public init(text: String, source: String) throws(ProctorError) {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
            throw ProctorError(.usage, "\(source) must hold user:password on its first line")
        }
        user = String(line[..<colon])
        password = String(line[line.index(after: colon)...])
    }

    /// From `--credentials-file` when given, else from the environment; nil when neither.
    public static func resolve(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ProctorError) -> SubmitCredentials? {
        if let file {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw ProctorError(.missingInput, "cannot read the credentials file \(file)")
            }
            return try SubmitCredentials(text: text, source: "the credentials file \(file)")
        }
        guard let text = environment[environmentVariable], !text.isEmpty else { return nil }
        return try SubmitCredentials(text: text, source: environmentVariable)
    }

    var authorization: String { "Basic " + Data("\(user):\(password)".utf8).base64EncodedString() }

    public var description: String { "(credentials for \(user))" }

    /// Scheme, host and port: credentials go to requests for exactly this origin.
    static func origin(of url: URL) -> String? {
        guard let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased() else { return nil }
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        return "\(scheme)://\(host):\(port)"
    }
}
