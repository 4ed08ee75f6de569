import Foundation

/// Finds the bundle `proctor submit` delivers when none is named: the newest `*.proctor` in
/// the session folder (`$PROCTOR_DATA_DIR`, else `~/.local/share/proctor/sessions`) or one
/// level below it, where each session may keep its own folder.
public enum BundleLocator {
    public static let environmentVariable = "PROCTOR_DATA_DIR"

    public static func sessionsFolder(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let folder = environment[environmentVariable], !folder.isEmpty { return URL(fileURLWithPath: folder, isDirectory: true) }
        let home = environment["HOME"].map { URL(fileURLWithPath: $0) } ?? FileManager.default.homeDirectoryForCurrentUser
        return home.appendingPathComponent(".local/share/proctor/sessions", isDirectory: true)
    }

    public static func newestBundle(environment: [String: String] = ProcessInfo.processInfo.environment) throws(SessionError) -> URL {
        let folder = sessionsFolder(environment: environment)
        var newest: (url: URL, modified: Date)?
        for candidate in bundles(in: folder) + subfolders(of: folder).flatMap(bundles(in:)) {
            let modified = (try? candidate.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate) ?? .distantPast
            if newest == nil || modified > newest!.modified { newest = (candidate, modified) }
        }
        guard let newest else {
            throw SessionError(.missingInput, "no bundle to submit in \(folder.path): pass --bundle PATH, or set \(environmentVariable) to the session folder")
        }
        return newest.url
    }

    private static func bundles(in folder: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".proctor") && !$0.hasPrefix(".") }.map { folder.appendingPathComponent($0) }
    }

    private static func subfolders(of folder: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.map { folder.appendingPathComponent($0, isDirectory: true) }.filter {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: $0.path, isDirectory: &isDirectory) && isDirectory.boolValue
        }
    }
}
