import Foundation
import ProctorModel
import Seal

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
        guard rename(temporaryURL.path, finalURL.path) == 0 else {
            throw failure(ProctorError.posix(errno, "cannot rename the copy in \(folder.path)"), written: end)
        }
        // So that the rename itself survives a power cut.
        FileDescriptor.syncFolder(folder.path)
        return Outcome(location: finalURL, bytesWritten: end - start, bytesSkipped: start)
    }

    /// Writes the temporary copy, continuing a partial one, and closes it before anything is
    /// renamed, so that no write or close ever happens under the final name.
    private func writeTemporaryCopy() throws(ProctorError) -> (start: Int64, end: Int64) {
        let descriptor = try onShare(written: 0) { () throws(ProctorError) in
            try FileDescriptor(opening: temporaryURL.path, O_WRONLY | O_CREAT, mode: 0o644, "cannot create a file in \(folder.path)")
        }
        let start = try resumeOffset(descriptor)
        if start > 0 { onEvent(.resumed(alreadyThere: start, total: digest.size)) }
        var position = start
        try bundle.forEachChunk(from: start) { (chunk) throws(ProctorError) in
            try onShare(written: position) { () throws(ProctorError) in try descriptor.write(chunk, at: position, "cannot write to \(folder.path)") }
            position += Int64(chunk.count)
            onEvent(.sending(done: position, total: digest.size))
        }
        // Data must be on the share before the name says the file is complete.
        try onShare(written: position) { () throws(ProctorError) in try descriptor.sync("cannot flush the copy in \(folder.path)") }
        return (start, position)
    }

    /// A partial copy left by an interrupted run is continued only if it is a true prefix of
    /// this bundle; anything else is overwritten from the start.
    private func resumeOffset(_ descriptor: FileDescriptor) throws(ProctorError) -> Int64 {
        let existing = (try? descriptor.status(""))?.size ?? 0
        if existing > 0, existing <= digest.size {
            var prefix = SHA256.Incremental()
            try bundle.forEachChunk(to: existing) { prefix.update($0) }
            if try sha256(ofFileAt: temporaryURL, limit: existing) == prefix.finalize().hexString {
                return existing
            }
        }
        try onShare(written: 0) { () throws(ProctorError) in try descriptor.truncate(to: 0, "cannot reuse the partial copy in \(folder.path)") }
        return 0
    }

    private func sha256(ofFileAt url: URL, limit: Int64?) throws(ProctorError) -> String {
        let file = try BundleFile(url: url)
        var hasher = SHA256.Incremental()
        try file.forEachChunk(to: limit ?? file.size) { hasher.update($0) }
        return hasher.finalize().hexString
    }

    /// Runs one system call on the share, saying what its failure means for the student.
    private func onShare<Result>(written: Int64, _ body: () throws(ProctorError) -> Result) throws(ProctorError) -> Result {
        do { return try body() } catch { throw failure(error, written: written) }
    }

    /// The code and errno come from the one mapping in `ProctorError.posix`; the message adds
    /// what to do and where the bundle still is.
    private func failure(_ error: ProctorError, written: Int64) -> ProctorError {
        let kept = "your bundle is kept at \(bundle.url.path)"
        switch error.underlying {
        case ENOSPC, EDQUOT:
            // A full share helps nobody by holding a partial copy; the next run starts over.
            try? FileManager.default.removeItem(at: temporaryURL)
            return error.withMessage("the destination \(folder.path) is full (\(written) of \(digest.size) bytes written): free space there and run `proctor submit` again; \(kept)")
        default:
            return error.withMessage("\(error.message); \(kept)")
        }
    }
}
