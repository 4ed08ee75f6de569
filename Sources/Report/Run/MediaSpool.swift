import Encode
import Foundation
import ProctorModel

/// One recorded Matroska stream, decrypted record by record into a private temporary file so
/// that export memory stays flat however long the session was, and read back with random access
/// for the keyframe index, evidence frames and remuxing. The file is created 0600 inside a 0700
/// directory and removed when the spool goes away: decrypted media never outlives the export
/// except as the `--media` files the reviewer asked for.
final class MediaSpool {
    let url: URL
    private let handle: FileHandle
    private(set) var size: Int64 = 0

    init(directory: URL, name: String) throws(ProctorError) {
        url = directory.appendingPathComponent(name)
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ProctorError(.io, "cannot create a temporary file in \(directory.path): \(String(cString: strerror(errno)))")
        }
        handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    func append(_ bytes: [UInt8]) throws(ProctorError) {
        do {
            try handle.write(contentsOf: bytes)
        } catch {
            throw ProctorError(.io, "cannot write decrypted media to \(url.path) (disk full?)", detail: "\(error)")
        }
        size += Int64(bytes.count)
    }

    /// A reader over what was written so far.
    func source() throws(ProctorError) -> MediaByteSource {
        do {
            return try FileByteSource(path: url.path)
        } catch {
            throw ProctorError(.io, error.message, detail: error.detail)
        }
    }

    deinit {
        try? handle.close()
        try? FileManager.default.removeItem(at: url)
    }
}

/// A private directory for spools, removed with everything in it when the last reference goes.
final class SpoolDirectory {
    let url: URL

    init(inside parent: URL) throws(ProctorError) {
        url = parent.appendingPathComponent(".proctor-export-\(UUID().uuidString)")
        guard mkdir(url.path, 0o700) == 0 else {
            throw ProctorError(.io, "cannot create a temporary folder in \(parent.path): \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}
