import Foundation
import ProctorModel

/// Where bundles are recorded: `$PROCTOR_DATA_DIR`, else `~/.local/share/proctor/sessions`.
/// Next to each bundle `NAME.proctor` sits `NAME.proctor.state`, which is how `submit`,
/// `begin --resume` and a second terminal find a running or crashed session.
public struct SessionDirectory: Sendable {
    public static let environmentVariable = "PROCTOR_DATA_DIR"
    public let url: URL

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let dir = environment[Self.environmentVariable], !dir.isEmpty {
            url = URL(fileURLWithPath: dir, isDirectory: true)
        } else {
            let home = environment["HOME"].map { URL(fileURLWithPath: $0) } ?? FileManager.default.homeDirectoryForCurrentUser
            url = home.appendingPathComponent(".local/share/proctor/sessions", isDirectory: true)
        }
    }

    public init(url: URL) { self.url = url }

    package func create() throws(ProctorError) {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ProctorError(.io, "cannot create the session folder \(url.path); set \(Self.environmentVariable) to a writable folder",
                               detail: "\(error)")
        }
    }

    /// `STUDENT-EXAMID-YYYYMMDDTHHMMSS.proctor` (UTC), with `-2`, `-3`... if it exists.
    package func newBundleURL(student: String, examId: String, at date: Date) -> URL {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss"
        let safe = { (text: String) in String(text.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" ? $0 : "-" }) }
        let base = "\(safe(student))-\(safe(examId))-\(formatter.string(from: date))"
        var candidate = url.appendingPathComponent(base + ".proctor")
        var counter = 2
        while FileManager.default.fileExists(atPath: candidate.path) {
            candidate = url.appendingPathComponent("\(base)-\(counter).proctor")
            counter += 1
        }
        return candidate
    }

    /// Every session with a state file, newest first.
    package func sessions() -> [SessionState] {
        let files = (try? FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)) ?? []
        return files.filter { $0.pathExtension == "state" }
            .compactMap { try? SessionState.load(from: $0) }
            .sorted { $0.startedAt > $1.startedAt }
    }
}

/// What a recording process publishes about itself, rewritten atomically as it goes.
public struct SessionState: Codable, Sendable, Equatable {
    public enum Phase: String, Codable, Sendable {
        /// A process is (or was, if it crashed) recording into the bundle.
        case recording
        /// The bundle has its final record.
        case finished
    }

    public var bundlePath: String
    public var pid: Int32
    public var phase: Phase
    public var examId: String
    public var examFilePath: String
    public var studentId: String
    public var startedAt: Date
    /// Media time (session clock) sealed so far: where a resumed part continues.
    public var mediaTime: Double
    /// The time limit in seconds for this student.
    public var timeLimit: Double
    /// The end time asked by `--duration`, if any.
    public var duration: Double?

    public var bundleURL: URL { URL(fileURLWithPath: bundlePath) }
    package static func url(forBundle bundle: URL) -> URL { URL(fileURLWithPath: bundle.path + ".state") }

    package static func load(from url: URL) throws(ProctorError) -> SessionState {
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(SessionState.self, from: Data(contentsOf: url))
        } catch {
            throw ProctorError(.badData, "the session state \(url.path) cannot be read", detail: "\(error)")
        }
    }

    package func save() throws(ProctorError) {
        let target = SessionState.url(forBundle: bundleURL)
        do {
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            // Write-then-rename: a crash leaves either the old or the new state, never half.
            try encoder.encode(self).write(to: target, options: .atomic)
        } catch {
            throw ProctorError(.io, "cannot write the session state \(target.path)", detail: "\(error)")
        }
    }

    /// Whether the recording process is still alive (and is a proctor).
    package var processIsRunning: Bool {
        guard phase == .recording, pid > 0, kill(pid, 0) == 0 else { return false }
        let command = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
        return command.contains("proctor")
    }

    package init(bundlePath: String, pid: Int32, phase: Phase, examId: String, examFilePath: String, studentId: String, startedAt: Date, mediaTime: Double, timeLimit: Double, duration: Double? = nil) {
        self.bundlePath = bundlePath
        self.pid = pid
        self.phase = phase
        self.examId = examId
        self.examFilePath = examFilePath
        self.studentId = studentId
        self.startedAt = startedAt
        self.mediaTime = mediaTime
        self.timeLimit = timeLimit
        self.duration = duration
    }
}
