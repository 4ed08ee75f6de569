#if canImport(Glibc)
import Glibc
#endif

/// One open POSIX file descriptor, closed when the last reference goes away. Reads and writes
/// are positional or appending system calls that the kernel serialises, so the type is
/// Sendable with nothing mutable in it; "closing early" means dropping the reference, and a
/// thread still using the descriptor (a timer's fsync) keeps it open until it is done, so the
/// number can never be reused under it.
///
/// Every failure goes through `ProctorError.posix`, the one errno mapping.
package final class FileDescriptor: Sendable {
    package let raw: Int32
    /// What the descriptor was opened from, for messages.
    package let path: String

    /// `open(2)`, retried on EINTR; `doing` starts the message ("could not create the bundle X").
    package init(opening path: String, _ flags: Int32, mode: mode_t = 0o600, _ doing: @autoclosure () -> String) throws(ProctorError) {
        var fd: Int32
        repeat { fd = Glibc.open(path, flags | O_CLOEXEC, mode) } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw ProctorError.posix(errno, doing()) }
        raw = fd
        self.path = path
    }

    deinit { _ = Glibc.close(raw) }

    /// Reads up to `buffer.count` bytes at `offset`; fewer only at the end of the file.
    package func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64, _ doing: @autoclosure () -> String) throws(ProctorError) -> Int {
        var done = 0
        while done < buffer.count {
            let got = pread(raw, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if got < 0 {
                if errno == EINTR { continue }
                throw ProctorError.posix(errno, doing())
            }
            if got == 0 { break }
            done += got
        }
        return done
    }

    /// Writes all of `bytes` at the current position (`at: nil`, an append for O_APPEND or a
    /// file only this descriptor writes) or at `offset`.
    package func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64? = nil, _ doing: @autoclosure () -> String) throws(ProctorError) {
        var done = 0
        while done < bytes.count {
            let wrote = if let offset {
                pwrite(raw, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            } else {
                Glibc.write(raw, bytes.baseAddress! + done, bytes.count - done)
            }
            if wrote < 0 {
                if errno == EINTR { continue }
                throw ProctorError.posix(errno, doing())
            }
            done += wrote
        }
    }

    /// `fsync(2)`: the data (and for a directory, its entries) is on the disk when this returns.
    package func sync(_ doing: @autoclosure () -> String) throws(ProctorError) {
        guard fsync(raw) == 0 else { throw ProctorError.posix(errno, doing()) }
    }

    /// Cuts the file to `length` bytes.
    package func truncate(to length: Int64, _ doing: @autoclosure () -> String) throws(ProctorError) {
        guard ftruncate(raw, off_t(length)) == 0 else { throw ProctorError.posix(errno, doing()) }
    }

    /// Moves the position used by `write(_:at: nil)`.
    package func seek(to offset: Int64, _ doing: @autoclosure () -> String) throws(ProctorError) {
        guard lseek(raw, off_t(offset), SEEK_SET) == off_t(offset) else { throw ProctorError.posix(errno, doing()) }
    }

    /// `fstat(2)`: the size, and whether this is a regular file (not a directory or a device).
    package func status(_ doing: @autoclosure () -> String) throws(ProctorError) -> (size: Int64, isRegularFile: Bool) {
        var info = stat()
        guard fstat(raw, &info) == 0 else { throw ProctorError.posix(errno, doing()) }
        return (Int64(info.st_size), (info.st_mode & S_IFMT) == S_IFREG)
    }

    /// fsyncs the folder holding `path`, so that a new or renamed name survives a power loss as
    /// well as the bytes. Best effort: a folder that cannot be opened keeps its old guarantees.
    package static func syncFolder(containing path: String) {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        syncFolder(folder)
    }

    package static func syncFolder(_ folder: String) {
        guard let descriptor = try? FileDescriptor(opening: folder, O_RDONLY | O_DIRECTORY, "") else { return }
        _ = fsync(descriptor.raw)
    }
}

extension ProctorError {
    /// The one errno mapping for files: out of space or a failing disk is `.io`, a refusal by
    /// the system is `.permission`, a name that does not exist is `.missingInput`; anything else
    /// is `.io`. The message is `doing` plus the system's reason; `underlying` is the errno.
    package static func posix(_ code: Int32, _ doing: String) -> ProctorError {
        let reason = String(cString: strerror(code))
        let kind: Code = switch code {
        case EACCES, EPERM, EROFS: .permission
        case ENOENT, ENOTDIR: .missingInput
        default: .io  // ENOSPC, EDQUOT, EIO and the rest
        }
        return ProctorError(kind, "\(doing): \(reason)", detail: "errno \(code) (\(reason))", underlying: code)
    }

    /// The same failure in other words (a caller that knows what the student should do).
    package func withMessage(_ message: String) -> ProctorError {
        ProctorError(code, message, detail: detail, underlying: underlying)
    }
}
