import Foundation
import Synchronization

/// The SHA-256 of each bundle file last read in full, by the file's identity (device, inode,
/// size, modification time in nanoseconds), so a class opens again without reading every
/// bundle: hashing 100 two-hour bundles (~70 GB) alone takes most of a minute. Kept beside the
/// summaries (`bundle-sha256.json` in the cache folder, 0600). A file rewritten, replaced or
/// touched has another identity and is hashed again. A SHA-256 from the memo only picks the
/// cached summary: an attempt opened for viewing (and so for saving a review) is read and
/// hashed in full again, and the real SHA-256 is the one its review file is bound to.
public final class BundleHashMemo: Sendable {
    /// What identifies a file's bytes without reading them.
    public struct Identity: Hashable, Sendable {
        let device: UInt64
        let inode: UInt64
        let size: Int64
        let modifiedNanoseconds: Int64

        public init?(of url: URL) {
            var info = stat()
            guard stat(url.path, &info) == 0 else { return nil }
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
            size = Int64(info.st_size)
            modifiedNanoseconds = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        }

        var key: String { "\(device):\(inode):\(size):\(modifiedNanoseconds)" }
    }

    private struct Stored: Codable {
        var format = BundleHashMemo.format
        var sha256: [String: String]
    }

    private static let format = "proctor-bundle-sha256-v1"
    private let file: URL?
    private let entries: Mutex<(byIdentity: [String: String], changed: Bool)>
    private let hashed = Atomic<Int>(0)

    /// `directory` nil: a memo in memory only (nothing is kept for the next start).
    public init(directory: URL?) {
        file = directory?.appendingPathComponent("bundle-sha256.json")
        var loaded: [String: String] = [:]
        if let file, let data = FileManager.default.contents(atPath: file.path),
           let stored = try? JSONDecoder().decode(Stored.self, from: data), stored.format == Self.format {
            loaded = stored.sha256.filter { $0.value.count == 64 && $0.value.allSatisfy(\.isHexDigit) }
        }
        entries = Mutex((loaded, false))
    }

    /// How many bundle files were read in full to hash them through this memo (tests, the bench).
    public var bundlesHashed: Int { hashed.load(ordering: .relaxed) }

    /// The SHA-256 last computed for the file, if its identity has not changed since.
    public func lookup(_ identity: Identity?) -> String? {
        guard let identity else { return nil }
        return entries.withLock { $0.byIdentity[identity.key] }
    }

    /// Notes `sha256`, just computed from the bytes of `url`, for the identity the file had
    /// before it was read: kept only if the file still has that identity (not changed meanwhile).
    public func remember(_ sha256: String, for url: URL, identityBefore: Identity?) {
        hashed.add(1, ordering: .relaxed)
        guard let identityBefore, Identity(of: url) == identityBefore else { return }
        entries.withLock { entries in
            guard entries.byIdentity[identityBefore.key] != sha256 else { return }
            entries.byIdentity[identityBefore.key] = sha256
            entries.changed = true
        }
    }

    /// Writes the memo if anything was added (best effort, like the summary cache).
    public func save() {
        guard let file else { return }
        let snapshot: [String: String]? = entries.withLock { entries in
            guard entries.changed else { return nil }
            entries.changed = false
            return entries.byIdentity
        }
        guard let snapshot, let data = try? JSONEncoder().encode(Stored(sha256: snapshot)) else { return }
        let directory = file.deletingLastPathComponent()
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        ReviewSummaryCache.writePrivately(data, to: file)
    }
}
