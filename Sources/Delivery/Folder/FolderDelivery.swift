import Foundation
#if canImport(Glibc)
import Glibc
import ProctorModel
import Seal
#endif

/// Copies a bundle into a folder (a share, an LMS-synced folder) so that the final name only
/// ever holds the complete file: the copy grows under a hidden temporary name in the same
/// folder, is fsync'd, then renamed, which is atomic within one file system.
struct FolderDelivery {
    struct Outcome {
        let location: URL
        let bytesWritten: Int64
        let bytesSkipped: Int64
    }

    let bundle: BundleFile
    let digest: BundleDigest
    let folder: URL
    let onEvent: DeliveryEventHandler

    var finalURL: URL { folder.appendingPathComponent(bundle.url.lastPathComponent) }
    /// Hidden so that sync clients and collectors that skip dot files ignore the partial copy.
    var temporaryURL: URL { folder.appendingPathComponent("." + bundle.url.lastPathComponent + ".partial") }

    func deliver() throws(ProctorError) -> Outcome {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ProctorError(.unavailable, "the destination folder \(folder.path) does not exist (is the share mounted?); your bundle is kept at \(bundle.url.path)")
        }
        if FileManager.default.fileExists(atPath: finalURL.path) {
            // Delivered by an earlier run whose receipt was lost, or someone else's file.
            guard try sha256(ofFileAt: finalURL, limit: nil) == digest.sha256 else {
                throw ProctorError(.io, "a different file named \(finalURL.lastPathComponent) is already in \(folder.path); not overwriting it")
            }
            onEvent(.resumed(alreadyThere: digest.size, total: digest.size))
            return Outcome(location: finalURL, bytesWritten: 0, bytesSkipped: digest.size)
        }
        let (start, end) = try writeTemporaryCopy()
        onEvent(.verifying)
        guard try sha256(ofFileAt: temporaryURL, limit: nil) == digest.sha256 else {
            try? FileManager.default.removeItem(at: temporaryURL)
            throw ProctorError(.verification, "the copy in \(folder.path) does not match the bundle after writing; run `proctor submit` again")
        }
        guard rename(temporaryURL.path, finalURL.path) == 0 else { throw failure(errno, "cannot rename the copy in", written: end) }
        syncFolder()
        return Outcome(location: finalURL, bytesWritten: end - start, bytesSkipped: start)
    }

    /// Writes the temporary copy, continuing a partial one, and closes it before anything is
    /// renamed, so that no write or close ever happens under the final name.
    private func writeTemporaryCopy() throws(ProctorError) -> (start: Int64, end: Int64) {
        let descriptor = open(temporaryURL.path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure(errno, "cannot create a file in", written: 0) }
        defer { close(descriptor) }
        let start = try resumeOffset(descriptor)
        if start > 0 { onEvent(.resumed(alreadyThere: start, total: digest.size)) }
        var position = start
        try bundle.forEachChunk(from: start) { (chunk) throws(ProctorError) in
            var done = 0
            while done < chunk.count {
                let wrote = pwrite(descriptor, chunk.baseAddress! + done, chunk.count - done, off_t(position) + off_t(done))
                if wrote < 0 {
                    if errno == EINTR { continue }
                    throw failure(errno, "cannot write to", written: position + Int64(done))
                }
                done += wrote
            }
            position += Int64(chunk.count)
            onEvent(.sending(done: position, total: digest.size))
        }
        // Data must be on the share before the name says the file is complete.
        guard fsync(descriptor) == 0 else { throw failure(errno, "cannot flush the copy in", written: position) }
        return (start, position)
    }

    /// A partial copy left by an interrupted run is continued only if it is a true prefix of
    /// this bundle; anything else is overwritten from the start.
    private func resumeOffset(_ descriptor: Int32) throws(ProctorError) -> Int64 {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return 0 }
        let existing = Int64(status.st_size)
        if existing > 0, existing <= digest.size {
            var prefix = SHA256.Incremental()
            try bundle.forEachChunk(to: existing) { prefix.update($0) }
            if try sha256(ofFileAt: temporaryURL, limit: existing) == prefix.finalize().hexString {
                return existing
            }
        }
        guard ftruncate(descriptor, 0) == 0 else { throw failure(errno, "cannot reuse the partial copy in", written: 0) }
        return 0
    }

    private func sha256(ofFileAt url: URL, limit: Int64?) throws(ProctorError) -> String {
        let file = try BundleFile(url: url)
        var hasher = SHA256.Incremental()
        try file.forEachChunk(to: limit ?? file.size) { hasher.update($0) }
        return hasher.finalize().hexString
    }

    /// So that the rename itself survives a power cut.
    private func syncFolder() {
        let descriptor = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    private func failure(_ code: Int32, _ doing: String, written: Int64) -> ProctorError {
        let detail = String(cString: strerror(code))
        let kept = "your bundle is kept at \(bundle.url.path)"
        switch code {
        case ENOSPC, EDQUOT:
            // A full share helps nobody by holding a partial copy; the next run starts over.
            try? FileManager.default.removeItem(at: temporaryURL)
            return ProctorError(.io, "the destination \(folder.path) is full (\(written) of \(digest.size) bytes written): free space there and run `proctor submit` again; \(kept)", detail: detail)
        case EACCES, EPERM, EROFS:
            return ProctorError(.permission, "\(doing) \(folder.path): \(detail); \(kept)")
        default:
            return ProctorError(.io, "\(doing) \(folder.path): \(detail); \(kept)", detail: "errno \(code)")
        }
    }
}
