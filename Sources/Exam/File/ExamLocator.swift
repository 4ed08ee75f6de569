import Foundation
import ProctorModel

/// Finds an exam file from what a student typed after `--exam`: a path, or an exam id looked
/// up as `ID.exam` in `$PROCTOR_EXAM_DIR`, the current directory, then
/// `~/.local/share/proctor/exams`.
public enum ExamLocator {
    public static let environmentVariable = "PROCTOR_EXAM_DIR"

    public static func resolve(_ idOrPath: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                               currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) throws(ProctorError) -> URL {
        guard !idOrPath.isEmpty else { throw ProctorError(.usage, "--exam needs an exam id or the path of an exam file") }
        if idOrPath.contains("/") || idOrPath.hasSuffix(".exam") {
            let url = idOrPath.hasPrefix("/") ? URL(fileURLWithPath: idOrPath) : currentDirectory.appendingPathComponent(idOrPath)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw ProctorError(.missingInput, "the exam file \(url.path) does not exist")
            }
            return url.standardizedFileURL
        }
        let places = searchDirectories(environment: environment, currentDirectory: currentDirectory)
        for directory in places {
            let candidate = directory.appendingPathComponent("\(idOrPath).exam")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate.standardizedFileURL }
        }
        throw ProctorError(.missingInput, "no exam '\(idOrPath)': looked for \(idOrPath).exam in \(places.map(\.path).joined(separator: ", ")); "
                           + "pass the exam file's path or put it in one of those folders")
    }

    package static func searchDirectories(environment: [String: String], currentDirectory: URL) -> [URL] {
        var places: [URL] = []
        if let dir = environment[environmentVariable], !dir.isEmpty { places.append(URL(fileURLWithPath: dir)) }
        places.append(currentDirectory)
        let home = environment["HOME"].map { URL(fileURLWithPath: $0) } ?? FileManager.default.homeDirectoryForCurrentUser
        places.append(home.appendingPathComponent(".local/share/proctor/exams"))
        return places
    }
}
