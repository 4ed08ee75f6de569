import Foundation
import Exam
import ProctorModel

/// Where a bundle goes. Parsed from `--to` or the exam's `submission.destination`.
public enum DeliveryDestination: Sendable, Equatable, CustomStringConvertible {
    /// A local folder, a mounted network share or an LMS-synced folder.
    case directory(URL)
    /// A WebDAV folder (the URL ends in `/`): the bundle keeps its file name, and bundles larger
    /// than one segment travel as resumable segments (docs/delivery.md).
    case webFolder(URL)
    /// One object URL that takes a single PUT, such as a presigned object-store URL.
    case webObject(URL)

    public init(parsing text: String) throws(ProctorError) {
        let lowered = text.lowercased()
        if lowered.hasPrefix("http://") || lowered.hasPrefix("https://") {
            guard let url = URL(string: text), let host = url.host, !host.isEmpty else {
                throw ProctorError(.usage, "'\(Self.redacted(text))' is not a valid upload URL")
            }
            // In a URL, a password shows up in `ps`, shell history, logs and the exam's disclosure.
            guard url.user == nil, url.password == nil else {
                throw ProctorError(.usage, "the upload URL \(Self.redacted(url)) must not carry a user name or password: pass it without them and put user:password in $\(SubmitCredentials.environmentVariable) or in a file named with --credentials-file")
            }
            self = url.hasDirectoryPath || url.path.isEmpty ? .webFolder(url) : .webObject(url)
        } else if lowered.hasPrefix("file://") {
            guard let url = URL(string: text), url.isFileURL else {
                throw ProctorError(.usage, "'\(text)' is not a valid file URL")
            }
            self = .directory(url)
        } else if text.contains("://") {
            throw ProctorError(.usage, "cannot deliver to '\(text)': use a folder path or an http(s):// URL")
        } else {
            guard !text.isEmpty else { throw ProctorError(.usage, "the submission destination is empty") }
            self = .directory(URL(fileURLWithPath: (text as NSString).expandingTildeInPath, isDirectory: true))
        }
    }

    /// Safe to print and to store in a receipt: presigned URLs carry their signature in the
    /// query string and WebDAV URLs may carry a password, so both are removed.
    public var description: String {
        switch self {
        case .directory(let url): url.path
        case .webFolder(let url), .webObject(let url): Self.redacted(url)
        }
    }

    /// `text` with any `user:password@` removed, for an address that may not parse as a URL.
    public static func redacted(_ text: String) -> String {
        if let url = URL(string: text), url.scheme != nil, url.host != nil { return redacted(url) }
        guard let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].firstIndex(of: "@") else { return text }
        return String(text[..<scheme.upperBound]) + text[text.index(after: at)...]
    }

    static func redacted(_ url: URL) -> String {
        guard var parts = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return "(unprintable URL)" }
        parts.user = nil
        parts.password = nil
        let signed = parts.query != nil
        parts.query = nil
        return (parts.string ?? "(unprintable URL)") + (signed ? "?…" : "")
    }
}

extension DeliveryDestination {
    /// The `submission` address of an exam (an id or an exam file's path). The exam file's
    /// signature is checked on loading, so a student cannot be pointed elsewhere by an edit.
    public static func forExam(_ idOrPath: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ProctorError) -> DeliveryDestination {
        let settings = try ExamFile.load(try ExamLocator.resolve(idOrPath, environment: environment)).settings
        guard let submission = settings.submission else {
            throw ProctorError(.usage, "exam '\(settings.id)' names no submission address: pass --to FOLDER-OR-URL")
        }
        return try DeliveryDestination(parsing: submission)
    }
}
