import Foundation
import ProctorModel

/// An export output (PDF, JSON, CSV, media) while it is written: a file with no name in the
/// target folder (`O_TMPFILE`), given its name only once it is complete and synced. A failed or
/// killed export therefore leaves no partial report behind (a report is decrypted data).
///
/// cairo aborts on an assertion when its output stream fails part-way (seen on a full disk:
/// exit 134, a 0-byte PDF), so `write` never reports a failure to its caller: it remembers the
/// first error, drops the rest of the bytes, and `commit()` throws it. FFmpeg writes through
/// `procPath` instead and reports its own errors.
final class OutputFile {
    let path: String
    /// "the PDF", "the media file": for messages.
    private let noun: String
    private let fd: Int32
    /// Set when O_TMPFILE was not available: the file has this visible name until commit or discard.
    private let temporaryPath: String?
    private(set) var failure: String?
    private var committed = false

    init(path: String, noun: String) throws(ProctorError) {
        self.path = path
        self.noun = noun
        let folder = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        var fd = open(folder, O_WRONLY | openTemporaryFile | O_CLOEXEC, 0o600)
        var temporaryPath: String?
        if fd < 0, [EOPNOTSUPP, EISDIR, EINVAL].contains(errno) {
            let name = "\(folder)/.\((path as NSString).lastPathComponent).partial-\(UUID().uuidString)"
            fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            temporaryPath = name
        }
        guard fd >= 0 else {
            throw ProctorError(.io, "cannot create \(noun) \(path): \(String(cString: strerror(errno)))")
        }
        self.fd = fd
        self.temporaryPath = temporaryPath
    }

    /// The nameless file as a path another library can open for writing (FFmpeg's avio_open).
    var procPath: String { "/proc/self/fd/\(fd)" }

    /// Appends `bytes`; a failure is kept for `commit()` (cairo's write callback lands here).
    func write(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil, var next = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let written = Foundation.write(fd, next, left)
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                failure = String(cString: strerror(written < 0 ? errno : ENOSPC))
                return
            }
            next += written
            left -= written
        }
    }

    /// Names the finished file `path` (replacing an older report of that name).
    func commit() throws(ProctorError) {
        if let failure { throw ProctorError(.io, "writing \(noun) \(path) failed: \(failure)") }
        guard fsync(fd) == 0 else { throw ProctorError(.io, "writing \(noun) \(path) failed: \(String(cString: strerror(errno)))") }
        let named: String
        if let temporaryPath {
            named = temporaryPath
        } else {
            // linkat through /proc gives the nameless file a (hidden) name; rename then replaces
            // any older report atomically, as linkat itself cannot.
            named = "\((path as NSString).deletingLastPathComponent)/.\((path as NSString).lastPathComponent).partial-\(UUID().uuidString)"
            guard linkat(AT_FDCWD, "/proc/self/fd/\(fd)", AT_FDCWD, named, AT_SYMLINK_FOLLOW) == 0 else {
                throw ProctorError(.io, "writing \(noun) \(path) failed: \(String(cString: strerror(errno)))")
            }
        }
        guard rename(named, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(named)
            throw ProctorError(.io, "writing \(noun) \(path) failed: \(reason)")
        }
        // The mode fopen would have given it; the nameless file was created 0600.
        fchmod(fd, 0o666 & ~Self.umask)
        committed = true
    }

    /// Read from /proc rather than with umask(2), which can only be read by changing it.
    private static let umask: mode_t = {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("Umask:") }
        return line.flatMap { mode_t($0.dropFirst("Umask:".count).trimmingCharacters(in: .whitespaces), radix: 8) } ?? 0o022
    }()

    deinit {
        close(fd)
        if !committed, let temporaryPath { unlink(temporaryPath) }
    }
}
