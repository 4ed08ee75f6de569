import Foundation

/// Where browser tests put their screenshots: the repository's docs/images with
/// PROCTOR_UPDATE_SCREENSHOTS=1 (the pictures the docs show), else a temporary folder, so every
/// run takes them but only an explicit update rewrites committed files.
public enum ScreenshotFolder {
    public static func folder(repository: URL, scratchName: String) -> URL {
        if ProcessInfo.processInfo.environment["PROCTOR_UPDATE_SCREENSHOTS"] == "1" {
            return repository.appendingPathComponent("docs/images")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(scratchName)
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}
