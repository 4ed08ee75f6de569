import Encode
import Foundation
import ProctorModel

/// One recorded Matroska stream, decrypted record by record into a private temporary file so
/// that export memory stays flat however long the session was, and read back with random access
/// for the keyframe index, evidence frames and remuxing. The file has no name from the moment it
/// exists (`O_TMPFILE`, or on a file system without it, unlinked right after `open`): decrypted
/// media cannot outlive the process, even one killed with SIGKILL, except as the `--media` files
/// the reviewer asked for. FFmpeg reads it through `/proc/self/fd/N`.
final class MediaSpool {
    /// For messages only: the folder the spool lives in and its role.
    let url: URL
    private let handle: FileHandle
    private(set) var size: Int64 = 0

    init(directory: URL, name: String) throws(ProctorError) {
        url = directory.appendingPathComponent(name)
        handle = FileHandle(fileDescriptor: try Self.openAnonymous(in: directory, name: name), closeOnDealloc: true)
    }

    /// A 0600 read-write file in `directory` that no name points to.
    private static func openAnonymous(in directory: URL, name: String) throws(ProctorError) -> Int32 {
        // O_EXCL with O_TMPFILE: the file can never be given a name (linkat) later either.
        var fd = open(directory.path, O_RDWR | openTemporaryFile | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0, [EOPNOTSUPP, EISDIR, EINVAL].contains(errno) {
            let path = directory.appendingPathComponent(".proctor-spool-\(UUID().uuidString)-\(name)").path
            fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 { unlink(path) }
        }
        guard fd >= 0 else {
            throw ProctorError(.io, "cannot create a temporary file in \(directory.path): \(String(cString: strerror(errno)))")
        }
        return fd
    }

    func append(_ bytes: [UInt8]) throws(ProctorError) {
        do {
            try handle.write(contentsOf: bytes)
        } catch {
            throw ProctorError(.io, "cannot write decrypted media to a temporary file in \(url.deletingLastPathComponent().path) (disk full?)", detail: "\(error)")
        }
        size += Int64(bytes.count)
    }

    /// A reader over what was written so far (a second descriptor of the same nameless file).
    func source() throws(ProctorError) -> sending MediaByteSource {
        do {
            return try FileByteSource(path: "/proc/self/fd/\(handle.fileDescriptor)")
        } catch {
            throw ProctorError(.io, error.message, detail: error.detail)
        }
    }

    deinit {
        try? handle.close()
    }
}

/// Where spools are created: the export's output folder itself (same file system as the
/// outputs, so a full disk shows up as the export's own failure). No folder of its own is
/// made, so a killed export leaves nothing behind, not even an empty folder.
final class SpoolDirectory {
    let url: URL

    init(inside parent: URL) throws(ProctorError) {
        url = parent
        var info = stat()
        guard stat(parent.path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw ProctorError(.io, "cannot create temporary files in \(parent.path): not a folder")
        }
    }
}

/// `O_TMPFILE` is a macro over `__O_TMPFILE | O_DIRECTORY` that Swift does not import;
/// `__O_TMPFILE` is 020000000 in every Linux ABI proctor builds for (asm-generic/fcntl.h; x86-64 and arm64 agree).
let openTemporaryFile: Int32 = 0o20_000_000 | O_DIRECTORY
