import Attest
import Foundation
import ProctorModel
import Seal

/// What the server can check about an uploaded bundle without any key (docs/server.md,
/// "Arrival check"): the structure and final signature, that its public header names the
/// attempt's exam file and student, and which held checkpoints it contains. A bundle that fails
/// the first two is refused and deleted; missing checkpoints are recorded in the receipt, not
/// refused, because a truncated bundle is evidence the instructor must still receive.
package struct ArrivalCheck {
    package var sha256: [UInt8] = []
    package var size = 0
    package var allContained = true
    /// The first held checkpoint the bundle does not contain.
    package var firstMissing: UInt64?

    package static func run(_ url: URL, attempt: AttemptRecord, examSHA256: [UInt8],
                            checkpoints: [CheckpointRecord]) throws(ArrivalFailure) -> ArrivalCheck {
        let verification = BundleReader.verify(contentsOf: url)
        if let failure = verification.failure {
            throw ArrivalFailure("bundle_damaged", "The bundle failed its keyless check: \(failure.description).")
        }
        guard verification.isFinished else {
            throw ArrivalFailure("bundle_unfinished", "The bundle has no final record; finish it with `proctor submit`, which seals a crashed session first.")
        }
        guard let header = verification.header, header.studentId == attempt.studentId, header.examFileSHA256 == examSHA256 else {
            throw ArrivalFailure("bundle_other_attempt", "The bundle was recorded for another exam or student than this attempt's ticket.")
        }
        // The ticket in the session header is bound to every record by the header hash.
        guard let ticket = header.attemptTicket else {
            throw ArrivalFailure("bundle_without_ticket", "The bundle carries no attempt ticket: it was not recorded under this server's ticket.")
        }
        guard AttemptTicket.digest(of: ticket) == attempt.ticketDigest else {
            throw ArrivalFailure("bundle_other_attempt", "The bundle was recorded under another attempt's ticket.")
        }
        var check = ArrivalCheck()
        check.size = verification.fileSize
        // Wanted boundaries, by (part, records); found ones are removed as the pass meets them.
        var wanted: [BoundaryKey: CheckpointRecord] = [:]
        for checkpoint in checkpoints { wanted[BoundaryKey(part: checkpoint.part, records: checkpoint.recordCount)] = checkpoint }
        let partKeys = Dictionary(checkpoints.compactMap { c in c.partKey.map { (c.part, $0) } }, uniquingKeysWith: { first, _ in first })
        var mismatched: [UInt64] = []
        do {
            try BundleChain.walk(url) { point in
                let key = BoundaryKey(part: point.part, records: point.records)
                if let checkpoint = wanted.removeValue(forKey: key) {
                    let keyMatches = partKeys[point.part].map { $0 == point.partSigningKey } ?? false
                    if checkpoint.chain != point.chain || checkpoint.sealedBytes != UInt64(point.offset) || !keyMatches {
                        mismatched.append(checkpoint.sequence)
                    }
                }
                return true
            }
        } catch {
            throw ArrivalFailure("bundle_damaged", "The bundle could not be read: \(error.message).")
        }
        let missing = (mismatched + wanted.values.map(\.sequence)).sorted()
        check.allContained = missing.isEmpty
        check.firstMissing = missing.first
        check.sha256 = try Self.digest(url)
        return check
    }

    private struct BoundaryKey: Hashable {
        let part: UInt32
        let records: UInt64
    }

    private static func digest(_ url: URL) throws(ArrivalFailure) -> [UInt8] {
        do { return try SHA256.hash(contentsOf: url.path) } catch {
            throw ArrivalFailure("internal", "The upload could not be reopened.")
        }
    }
}

package struct ArrivalFailure: Error {
    package let code: String
    package let message: String
    init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }
}
