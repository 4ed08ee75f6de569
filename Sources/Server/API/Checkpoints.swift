import Attest
import Foundation
import Hummingbird
import ProctorModel
import Seal
import WebLayer

extension CollectionServer {
    /// `POST /v1/attempts/{attempt}/checkpoints`: one signed checkpoint. Idempotent (the same
    /// bytes again answer 200 `duplicate`), ordered (sequence must be the next one), and a
    /// second, different chain for a held sequence is a fork: refused and marked on the attempt.
    func receiveCheckpoint(_ request: Request, attemptId: String) async throws -> Response {
        let attempt = try await checkedAttempt(attemptId)
        let body = try await JSONBody.decode(APIBodies.CheckpointUpload.self, from: request, limit: 4 << 10)
        guard let signed = Base64.decode(body.checkpoint) else {
            throw APIError.badRequest("malformed_checkpoint", "checkpoint must be the signed checkpoint in standard base64.")
        }
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint.decode(signed) } catch {
            throw APIError.badRequest("malformed_checkpoint", "\(error.message).")
        }
        guard checkpoint.attemptId == attempt.attemptId else {
            throw APIError.badRequest("attempt_mismatch", "The checkpoint names attempt \(checkpoint.attemptId.prefix(64)), not this one.")
        }
        guard checkpoint.ticketDigest == attempt.ticketDigest else {
            throw APIError.badRequest("ticket_mismatch", "The checkpoint is bound to another ticket than this attempt's.")
        }
        guard checkpoint.recordCount > 0 else {
            throw APIError.badRequest("empty_checkpoint", "A checkpoint covers at least one sealed record.")
        }
        // Both databases keep these as signed 64-bit integers; a larger value (which any student
        // can sign under a part key of their own) is no real recording and must not trap.
        guard [checkpoint.sequence, checkpoint.recordCount, checkpoint.sealedBytes, checkpoint.mediaTimeMicros].allSatisfy({ $0 <= UInt64(Int64.max) }) else {
            throw APIError.badRequest("malformed_checkpoint", "A checkpoint's counts and sizes are at most 2^63 - 1.")
        }
        if try await store.receipt(attemptId: attempt.attemptId) != nil {
            throw APIError.conflict("already_submitted", "This attempt's bundle was already received; no checkpoints are taken after it.")
        }
        // A checkpoint proves the recording existed when it arrived; after the ticket's end that
        // proves nothing the upload's receipt does not, so it is refused, not stored as late.
        guard Date() <= attempt.notAfter else {
            throw APIError.forbidden("ticket_expired", "The attempt's ticket expired at \(ISO8601DateFormatter().string(from: attempt.notAfter)); no checkpoints are taken after it. Submit the bundle.")
        }
        let held = try await store.checkpoints(attemptId: attempt.attemptId)
        let partKey = try partKey(for: checkpoint, held: held)
        guard Signing.verify(Array(signed.suffix(SigningKey.signatureBytes)),
                             of: Array(Checkpoint.signatureContext.utf8) + Array(signed.dropLast(SigningKey.signatureBytes)),
                             publicKey: partKey) else {
            throw APIError.forbidden("bad_signature", "The checkpoint's signature does not verify under its part's signing key.")
        }
        let now = Date()
        if let same = held.first(where: { $0.sequence == checkpoint.sequence }) {
            return try await repeated(same, signed: signed, attempt: attempt, now: now)
        }
        let expected = (held.last?.sequence).map { $0 + 1 } ?? 0
        guard checkpoint.sequence == expected else {
            throw APIError.conflict("out_of_order", "Checkpoint \(checkpoint.sequence) arrived out of order; the server expects \(expected) next.")
        }
        if let previous = held.last, !Self.follows(checkpoint, previous) {
            try await store.markFork(attemptId: attempt.attemptId, sequence: checkpoint.sequence, at: now)
            logger.warning("checkpoint fork", metadata: ["attempt": "\(attempt.attemptId)", "sequence": "\(checkpoint.sequence)"])
            throw APIError.conflict("fork", "Checkpoint \(checkpoint.sequence) goes back behind checkpoint \(previous.sequence): two recordings for one attempt. This is recorded.")
        }
        let record = CheckpointRecord(attemptId: attempt.attemptId, sequence: checkpoint.sequence, part: checkpoint.part,
                                      recordCount: checkpoint.recordCount, sealedBytes: checkpoint.sealedBytes, chain: checkpoint.chain,
                                      mediaTimeMicros: checkpoint.mediaTimeMicros, partKey: checkpoint.partSigningKey,
                                      signed: signed, receivedAt: now)
        // Another instance may have stored this sequence since `held` was read.
        if let raced = try await store.addCheckpoint(record) {
            return try await repeated(raced, signed: signed, attempt: attempt, now: now)
        }
        return try JSONBody.response(APIBodies.CheckpointStored(status: "stored", sequence: checkpoint.sequence, receivedAt: now), status: .created)
    }

    /// The same bytes are a harmless resend; anything else under a held sequence is a fork.
    private func repeated(_ held: CheckpointRecord, signed: [UInt8], attempt: AttemptRecord, now: Date) async throws -> Response {
        guard held.signed == signed else {
            try await store.markFork(attemptId: attempt.attemptId, sequence: held.sequence, at: now)
            logger.warning("checkpoint fork", metadata: ["attempt": "\(attempt.attemptId)", "sequence": "\(held.sequence)"])
            throw APIError.conflict("fork", "A different checkpoint \(held.sequence) is already held for this attempt: two recordings for one attempt. This is recorded.")
        }
        return try JSONBody.response(APIBodies.CheckpointStored(status: "duplicate", sequence: held.sequence, receivedAt: held.receivedAt))
    }

    /// The first checkpoint of each part carries its key; later ones are checked against it.
    private func partKey(for checkpoint: Checkpoint, held: [CheckpointRecord]) throws -> [UInt8] {
        let known = held.first(where: { $0.part == checkpoint.part && $0.partKey != nil })?.partKey
        switch (checkpoint.partSigningKey, known) {
        case (let carried?, nil): return carried
        case (let carried?, let known?) where carried == known: return known
        case (_?, _?):
            throw APIError.conflict("fork", "The checkpoint carries another signing key for part \(checkpoint.part) than the one held: two recordings for one attempt.")
        case (nil, let known?): return known
        case (nil, nil):
            throw APIError.conflict("part_key_unknown", "The first checkpoint of part \(checkpoint.part) must carry the part's signing key; send the earlier checkpoints first.")
        }
    }

    /// A later checkpoint may move to a later part or further within the same part, never back.
    static func follows(_ next: Checkpoint, _ previous: CheckpointRecord) -> Bool {
        if next.part != previous.part { return next.part > previous.part && next.sealedBytes > previous.sealedBytes }
        return next.recordCount >= previous.recordCount && next.sealedBytes >= previous.sealedBytes
    }
}
