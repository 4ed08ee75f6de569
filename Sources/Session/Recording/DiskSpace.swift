import Foundation

/// Free space where the bundle is written. Below `warnBytes` the student is warned once;
/// below `stopBytes` the session ends cleanly while there is still room for the final records.
struct DiskSpace: Sendable {
    let warnBytes: Int64
    let stopBytes: Int64

    /// Thresholds in MB from `PROCTOR_DISK_WARN_MB` / `PROCTOR_DISK_STOP_MB` (defaults 1024 / 200).
    init(environment: [String: String]) {
        let mb = { (key: String, fallback: Int64) in (environment[key].flatMap { Int64($0) } ?? fallback) * 1_000_000 }
        warnBytes = mb("PROCTOR_DISK_WARN_MB", 1024)
        stopBytes = mb("PROCTOR_DISK_STOP_MB", 200)
    }

    static func free(at url: URL) -> Int64? {
        var stats = statvfs()
        guard statvfs(url.path, &stats) == 0 else { return nil }
        return Int64(stats.f_bavail) * Int64(stats.f_frsize)
    }
}
