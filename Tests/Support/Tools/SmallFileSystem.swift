import Foundation
import XCTest

/// A tiny tmpfs, so a test can fill a "share" for real (ENOSPC) or make it read-only (EROFS).
/// Mounting needs root; elsewhere the test is skipped and says why.
public final class SmallFileSystem {
    public let folder: URL

    public init(kibibytes: Int, readOnly: Bool = false) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-share-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let options = "size=\(kibibytes)k" + (readOnly ? ",ro" : "")
        guard Self.run("/bin/mount", ["-t", "tmpfs", "-o", options, "tmpfs", folder.path]) == 0 else {
            try? FileManager.default.removeItem(at: folder)
            throw XCTSkip("mounting a small tmpfs needs root (or CAP_SYS_ADMIN)")
        }
    }

    deinit {
        _ = Self.run("/bin/umount", [folder.path])
        try? FileManager.default.removeItem(at: folder)
    }

    private static func run(_ tool: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
