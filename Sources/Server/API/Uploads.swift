import Attest
import Foundation
import HTTPTypes
import Hummingbird
import ProctorModel
import Seal
import WebLayer

/// Resumable upload: the tus 1.0.0 core protocol with its creation extension, one upload per
/// attempt at `/v1/attempts/{attempt}/upload` (docs/server.md, "Upload"). `POST` with
/// `Upload-Length` creates it, `HEAD` answers `Upload-Offset`, `PATCH` with `Upload-Offset`
/// and `Content-Type: application/offset+octet-stream` appends. The PATCH that completes the
/// length runs the arrival check; its receipt is at `GET .../receipt`.
extension CollectionServer {
    static let tusVersion = "1.0.0"

    func createUpload(_ request: Request, attemptId: String) async throws -> Response {
        let attempt = try await checkedAttempt(attemptId)
        guard let length = request.headers[.uploadLength].flatMap(Int.init), length > 0 else {
            throw APIError.badRequest("missing_upload_length", "Send Upload-Length: the bundle's size in bytes.")
        }
        guard length <= config.limits.bundleBytes else {
            throw APIError(.contentTooLarge, code: "bundle_too_large", "The bundle is larger than this server's \(config.limits.bundleBytes)-byte limit.")
        }
        if try await store.receipt(attemptId: attempt.attemptId) != nil {
            throw APIError.conflict("already_submitted", "This attempt's bundle was already received; fetch its receipt.")
        }
        // Late is received and marked late in the receipt; only an upload that starts after the
        // late window is refused. One that started in time may finish.
        let cutoff = attempt.notAfter.addingTimeInterval(config.lateUploadSeconds)
        guard Date() <= cutoff else {
            throw APIError.forbidden("ticket_expired", "The attempt's ticket expired at \(ISO8601DateFormatter().string(from: attempt.notAfter)) and this server takes bundles until \(ISO8601DateFormatter().string(from: cutoff)); ask your instructor to collect the bundle another way.")
        }
        // The same length again continues the upload; another length starts over (a re-finished bundle).
        if let held = try await store.upload(attemptId: attempt.attemptId), held.length == length {
            if held.offset == held.length { try await finishInterrupted(attempt) }
            return tusResponse(.created, offset: held.offset, location: true, attemptId: attempt.attemptId)
        }
        folder.removePartial(attempt.attemptId)
        try folder.writePartial(attempt.attemptId, at: 0, [])
        try await store.saveUpload(UploadRecord(attemptId: attempt.attemptId, length: length, offset: 0, startedAt: Date()))
        return tusResponse(.created, offset: 0, location: true, attemptId: attempt.attemptId)
    }

    func uploadOffset(attemptId: String) async throws -> Response {
        let attempt = try await checkedAttempt(attemptId)
        guard let upload = try await store.upload(attemptId: attempt.attemptId) else {
            if try await store.receipt(attemptId: attempt.attemptId) != nil {
                throw APIError.conflict("already_submitted", "This attempt's bundle was already received; fetch its receipt.")
            }
            throw APIError(.notFound, code: "no_upload", "No upload was started for this attempt; POST with Upload-Length first.")
        }
        if upload.offset == upload.length { try await finishInterrupted(attempt) }
        var response = tusResponse(.ok, offset: upload.offset, location: false, attemptId: attempt.attemptId)
        response.headers[.uploadLength] = String(upload.length)
        return response
    }

    /// Every byte is here but no receipt: the PATCH that completed the upload failed after its
    /// last byte was stored (a database step that timed out under load, a process that died).
    /// The client's retry (`POST` again, or `HEAD`) finishes the job instead of finding nothing
    /// left to send and no receipt to fetch, forever. When the bundle was already kept under its
    /// final name with its signed receipt, only the database row is missing: it is written from
    /// that receipt, so the student's receipt and the server's agree.
    private func finishInterrupted(_ attempt: AttemptRecord) async throws {
        guard try await store.receipt(attemptId: attempt.attemptId) == nil else { return }
        let partial = try folder.url(attempt.attemptId, .partial)
        let kept = try folder.url(attempt.attemptId, .proctor)
        let keptReceipt = try folder.url(attempt.attemptId, .receipt)
        if !FileManager.default.fileExists(atPath: partial.path), FileManager.default.fileExists(atPath: kept.path),
           let signed = try? [UInt8](Data(contentsOf: keptReceipt)), let receipt = try? ServerReceipt.open(signed, publicKey: key.publicKey),
           receipt.attemptId == attempt.attemptId {
            try await store.saveReceipt(ReceiptRecord(attemptId: attempt.attemptId, receipt: signed, bundleSHA256: receipt.bundleSHA256,
                                                      size: Int(receipt.bundleSize), receivedAt: receipt.receivedAt))
            try await store.deleteUpload(attemptId: attempt.attemptId)
            logger.info("bundle receipt recorded on retry", metadata: ["attempt": "\(attempt.attemptId)"])
            return
        }
        try await complete(attempt)
    }

    func appendUpload(_ request: Request, attemptId: String) async throws -> Response {
        let attempt = try await checkedAttempt(attemptId)
        guard request.headers[.contentType] == "application/offset+octet-stream" else {
            throw APIError(.unsupportedMediaType, code: "wrong_content_type", "A PATCH carries Content-Type: application/offset+octet-stream.")
        }
        guard let offset = request.headers[.uploadOffset].flatMap(Int.init) else {
            throw APIError.badRequest("missing_upload_offset", "Send Upload-Offset: where these bytes start.")
        }
        guard var upload = try await store.upload(attemptId: attempt.attemptId) else {
            throw APIError(.notFound, code: "no_upload", "No upload was started for this attempt; POST with Upload-Length first.")
        }
        guard offset == upload.offset else {
            throw APIError.conflict("offset_mismatch", "The server holds \(upload.offset) bytes of this upload, not \(offset); ask with HEAD and continue from there.")
        }
        var body = request
        let bytes = try await JSONBody.collect(&body, limit: min(config.limits.segmentBytes, upload.length - upload.offset))
        try folder.writePartial(attempt.attemptId, at: offset, Array(bytes.readableBytesView))
        upload.offset += bytes.readableBytes
        try await store.saveUpload(upload)
        if upload.offset == upload.length {
            try await complete(attempt)
        }
        return tusResponse(.noContent, offset: upload.offset, location: false, attemptId: attempt.attemptId)
    }

    func receipt(attemptId: String) async throws -> Response {
        let attempt = try await checkedAttempt(attemptId)
        guard let held = try await store.receipt(attemptId: attempt.attemptId) else {
            throw APIError(.notFound, code: "no_receipt", "No bundle has been received for this attempt yet.")
        }
        let receipt = try ServerReceipt.decode(held.receipt)
        return try JSONBody.response(APIBodies.Receipt(
            attemptId: attempt.attemptId, receipt: Base64.encode(held.receipt), bundleSHA256: held.bundleSHA256.hexString,
            size: held.size, receivedAt: held.receivedAt, checkpoints: receipt.checkpoints.count,
            allContained: receipt.checkpoints.allContained, late: receipt.checkpoints.late))
    }

    /// The arrival check, then the receipt; a refused bundle leaves nothing behind.
    private func complete(_ attempt: AttemptRecord) async throws {
        guard let exam = try await store.exam(id: attempt.examId) else { throw APIError.notFound("The attempt's exam is gone.") }
        let held = try await store.checkpoints(attemptId: attempt.attemptId)
        let partial = try folder.url(attempt.attemptId, .partial)
        let check: ArrivalCheck
        do {
            check = try ArrivalCheck.run(partial, attempt: attempt, examSHA256: exam.examSHA256, checkpoints: held)
        } catch {
            folder.removePartial(attempt.attemptId)
            try await store.deleteUpload(attemptId: attempt.attemptId)
            throw APIError(.unprocessableContent, code: error.code, error.message)
        }
        let now = Date()
        let receipt = ServerReceipt(
            attemptId: attempt.attemptId, examFileSHA256: exam.examSHA256, studentId: attempt.studentId,
            bundleSHA256: check.sha256, bundleSize: UInt64(check.size), receivedAt: now,
            checkpoints: .init(count: UInt64(held.count), lastSequence: held.last?.sequence ?? 0,
                               allContained: check.allContained, late: now > attempt.notAfter))
        let signed = receipt.signed(by: key)
        try folder.keep(attempt.attemptId, receipt: signed, checkpointLog: CheckpointLog.encode(held))
        try await store.saveReceipt(ReceiptRecord(attemptId: attempt.attemptId, receipt: signed, bundleSHA256: check.sha256,
                                                  size: check.size, receivedAt: receipt.receivedAt))
        try await store.deleteUpload(attemptId: attempt.attemptId)
        logger.info("bundle received", metadata: ["attempt": "\(attempt.attemptId)", "bytes": "\(check.size)",
                                                   "checkpoints": "\(held.count)", "allContained": "\(check.allContained)"])
    }

    private func tusResponse(_ status: HTTPResponse.Status, offset: Int, location: Bool, attemptId: String) -> Response {
        var headers = HTTPFields()
        headers[.tusResumable] = Self.tusVersion
        headers[.uploadOffset] = String(offset)
        headers[.cacheControl] = "no-store"
        if location { headers[.location] = "/v1/attempts/\(attemptId)/upload" }
        return Response(status: status, headers: headers)
    }
}

/// The checkpoint log the server keeps beside each bundle (`ATTEMPT.checkpoints`), for export
/// without a server connection: per checkpoint, `received at i64 ms || u32 length || signed`.
package enum CheckpointLog {
    package static func encode(_ checkpoints: [CheckpointRecord]) -> [UInt8] {
        var bytes: [UInt8] = []
        for checkpoint in checkpoints {
            let millis = Int64((checkpoint.receivedAt.timeIntervalSince1970 * 1000).rounded(.down))
            withUnsafeBytes(of: millis.littleEndian) { bytes += $0 }
            withUnsafeBytes(of: UInt32(checkpoint.signed.count).littleEndian) { bytes += $0 }
            bytes += checkpoint.signed
        }
        return bytes
    }
}

extension HTTPField.Name {
    static let tusResumable = HTTPField.Name("Tus-Resumable")!
    static let uploadOffset = HTTPField.Name("Upload-Offset")!
    static let uploadLength = HTTPField.Name("Upload-Length")!
}
