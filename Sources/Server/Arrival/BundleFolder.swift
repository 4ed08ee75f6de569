import Foundation
import ProctorModel
import Seal

/// The bundles the server holds, one folder, files named only by server-made attempt ids
/// (32 lowercase hex digits, checked again here): no request field ever becomes a path.
///
///     bundles/ATTEMPT.partial     an upload in progress (tus offset = its length)
///     bundles/ATTEMPT.proctor     a bundle that passed the arrival check
///     bundles/ATTEMPT.receipt     the signed receipt for it
///     bundles/ATTEMPT.checkpoints the checkpoint log at arrival (docs/server.md)
package struct BundleFolder: Sendable {
    package let root: URL

    package init(root: URL) throws(ProctorError) {
        self.root = root
        do {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        } catch {
            throw ProctorError(.permission, "cannot create the bundle folder \(root.path): \(error.localizedDescription)")
        }
    }

    package enum Kind: String { case partial, proctor, receipt, checkpoints }

    package func url(_ attemptId: String, _ kind: Kind) throws(ProctorError) -> URL {
        guard AttemptID.isValid(attemptId) else {
            throw ProctorError(.internalFailure, "refusing a file name from an attempt id that is not 32 hex digits")
        }
        return root.appendingPathComponent("\(attemptId).\(kind.rawValue)")
    }

    /// Writes `bytes` at `offset` of the partial upload and syncs before the offset is recorded.
    package func writePartial(_ attemptId: String, at offset: Int, _ bytes: [UInt8]) throws(ProctorError) {
        let url = try url(attemptId, .partial)
        let file = try FileDescriptor(opening: url.path, O_WRONLY | O_CREAT | O_CLOEXEC, mode: 0o600, "open the upload of \(attemptId)")
        // A crash after the write but before the database update leaves extra bytes: the next
        // PATCH at the recorded offset overwrites them, so truncate first.
        try file.truncate(to: Int64(offset), "truncate the upload of \(attemptId)")
        // Array.withUnsafeBytes only rethrows untyped errors; the one thrown inside is a ProctorError.
        var failure: ProctorError?
        bytes.withUnsafeBytes { buffer in
            do throws(ProctorError) { try file.write(buffer, at: Int64(offset), "write the upload of \(attemptId)") } catch { failure = error }
        }
        if let failure { throw failure }
        try file.sync("sync the upload of \(attemptId)")
    }

    package func removePartial(_ attemptId: String) {
        if let url = try? url(attemptId, .partial) { try? FileManager.default.removeItem(at: url) }
    }

    /// Atomically publishes a checked upload under its final name, with its receipt and log.
    package func keep(_ attemptId: String, receipt: [UInt8], checkpointLog: [UInt8]) throws(ProctorError) {
        do {
            try Data(checkpointLog).write(to: try url(attemptId, .checkpoints), options: .atomic)
            try Data(receipt).write(to: try url(attemptId, .receipt), options: .atomic)
            let final = try url(attemptId, .proctor)
            if FileManager.default.fileExists(atPath: final.path) { try FileManager.default.removeItem(at: final) }
            try FileManager.default.moveItem(at: try url(attemptId, .partial), to: final)
        } catch let error as ProctorError {
            throw error
        } catch {
            throw ProctorError(.io, "cannot store the bundle of attempt \(attemptId): \(error.localizedDescription)")
        }
    }
}

/// Attempt ids are made by the server: 128 random bits as 32 lowercase hex digits.
package enum AttemptID {
    package static func generate() -> String { Sodium.randomBytes(16).hexString }

    package static func isValid(_ text: String) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
