import Foundation

/// A real temporary /proc + /sys tree for the system checks, removed when the test ends.
final class FakeRoot {
    let url: URL
    var proc: String { url.appendingPathComponent("proc").path }
    var sys: String { url.appendingPathComponent("sys").path }

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-roots-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `text` at a path relative to the root, creating folders.
    func write(_ relative: String, _ text: String) throws {
        let file = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
    }

    func remove(_ relative: String) throws {
        try FileManager.default.removeItem(at: url.appendingPathComponent(relative))
    }
}
