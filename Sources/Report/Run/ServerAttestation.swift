import Attest
import Exam
import Foundation
import ProctorModel
import Seal

/// What the exam's collection server vouches for (docs/server.md, docs/export.md): checked
/// with the server key pinned in the trusted exam file, never a key the bundle brings. It reads
/// the ticket in the session header, the server's receipt beside the bundle (`BUNDLE.server-receipt`
/// on the student's side, `ATTEMPT.receipt` in the server's folder) and, when present, the
/// server's checkpoint log (`ATTEMPT.checkpoints`), and states either the attestation or exactly
/// what fails.
enum ServerAttestation {
    static func check(bundle: URL, header: BundleHeader, exam: ExamFile) -> ReportModel.Attestation? {
        guard let server = exam.settings.server else { return nil }
        let name = "\(server.key.name) (\(server.key.fingerprint))"
        func refused(_ why: String) -> ReportModel.Attestation { .init(server: name, statement: why, attested: false) }
        guard let signedTicket = header.attemptTicket else {
            return refused("no ticket: the bundle was not recorded under a ticket from this server (a practice run, or a bundle made elsewhere)")
        }
        guard let ticket = try? AttemptTicket.open(signedTicket, publicKey: server.key.publicKey) else {
            return refused("the ticket in the bundle is not signed by the exam's pinned server key")
        }
        guard ticket.examFileSHA256 == header.examFileSHA256, ticket.studentId == header.studentId else {
            return refused("a ticket for another attempt: it names another exam file or student than the bundle")
        }
        let receiptFiles = [bundle.appendingPathExtension("server-receipt"), bundle.deletingPathExtension().appendingPathExtension("receipt")]
        guard let signedReceipt = receiptFiles.lazy.compactMap({ FileManager.default.contents(atPath: $0.path) }).first else {
            return refused("no server receipt beside the bundle: the server has not confirmed receiving it")
        }
        guard let receipt = try? ServerReceipt.open(Array(signedReceipt), publicKey: server.key.publicKey) else {
            return refused("the server receipt beside the bundle is not signed by the exam's pinned server key")
        }
        guard receipt.attemptId == ticket.attemptId else { return refused("the receipt is for another attempt than the ticket") }
        guard let bytes = try? Data(contentsOf: bundle), receipt.bundleSHA256 == SHA256.hash([UInt8](bytes)),
              receipt.bundleSize == UInt64(bytes.count) else {
            return refused("the receipt names other bytes: this file is not the bundle the server received")
        }
        var findings: [String] = []
        var notes: [String] = []
        let logURL = bundle.deletingPathExtension().appendingPathExtension("checkpoints")
        if let log = FileManager.default.contents(atPath: logURL.path) {
            findings += checkpointFindings([UInt8](log), bundle: bundle, ticket: signedTicket, interval: server.checkpointSeconds)
            if let late = lateCount([UInt8](log), interval: server.checkpointSeconds), late > 0 {
                notes.append("\(late) arrived late (queued while the network was away)")
            }
        } else if !receipt.checkpoints.allContained {
            findings.append("the server found records missing after its checkpoints (its log is not beside the bundle)")
        }
        if receipt.checkpoints.late { findings.append("received after the deadline (\(format(ticket.notAfter)))") }
        let count = receipt.checkpoints.count
        let summary = "ticket issued \(format(ticket.issuedAt)), \(count) checkpoint\(count == 1 ? "" : "s"), "
            + (findings.isEmpty ? (["all contained"] + notes + ["received \(format(receipt.receivedAt))"]).joined(separator: ", ")
                                : findings.joined(separator: "; "))
        return .init(server: name, statement: summary, attested: findings.isEmpty)
    }

    /// The log: per checkpoint `received at i64 ms || u32 length || signed checkpoint`.
    static func checkpointFindings(_ log: [UInt8], bundle: URL, ticket: [UInt8], interval: Double) -> [String] {
        var entries: [(received: Date, checkpoint: Checkpoint)] = []
        var position = 0
        while position + 12 <= log.count {
            let millis = log[position..<position + 8].enumerated().reduce(Int64(0)) { $0 | Int64($1.element) << (8 * $1.offset) }
            let length = log[position + 8..<position + 12].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            guard position + 12 + length <= log.count, let checkpoint = try? Checkpoint.decode(Array(log[position + 12..<position + 12 + length])) else {
                return ["the server's checkpoint log is damaged at byte \(position)"]
            }
            entries.append((Date(timeIntervalSince1970: Double(millis) / 1000), checkpoint))
            position += 12 + length
        }
        var points: [String: ChainPoint] = [:]
        try? BundleChain.walk(bundle) { point in
            points["\(point.part)/\(point.records)"] = point
            return true
        }
        var findings: [String] = []
        let digest = AttemptTicket.digest(of: ticket)
        if let missing = entries.first(where: { entry in
            let point = points["\(entry.checkpoint.part)/\(entry.checkpoint.recordCount)"]
            return entry.checkpoint.ticketDigest != digest || point?.chain != entry.checkpoint.chain
                || point.map { UInt64($0.offset) } != entry.checkpoint.sealedBytes
        }) {
            let before = entries.last(where: { $0.checkpoint.sequence < missing.checkpoint.sequence })
            findings.append("records missing after checkpoint \(before.map { String($0.checkpoint.sequence + 1) } ?? "0") "
                            + "(the bundle does not contain checkpoint \(missing.checkpoint.sequence + 1) of \(entries.count), received \(format(missing.received)))")
        }
        let timeline = entries.map { CheckpointTimeline.Entry(sequence: $0.checkpoint.sequence, received: $0.received, mediaMicros: $0.checkpoint.mediaTimeMicros) }
        for gap in CheckpointTimeline.gaps(timeline, interval: interval) {
            findings.append("an unexplained gap in checkpoints from \(Int(gap.from)) s to \(Int(gap.to)) s of media")
        }
        return findings
    }

    /// Checkpoints that reached the server more than two intervals after their media time said
    /// they were made (reckoned from the first one): sent late, not missing.
    static func lateCount(_ log: [UInt8], interval: Double) -> Int? {
        var arrivals: [CheckpointTimeline.Entry] = []
        var position = 0
        while position + 12 <= log.count {
            let millis = log[position..<position + 8].enumerated().reduce(Int64(0)) { $0 | Int64($1.element) << (8 * $1.offset) }
            let length = log[position + 8..<position + 12].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            guard position + 12 + length <= log.count, let checkpoint = try? Checkpoint.decode(Array(log[position + 12..<position + 12 + length])) else { return nil }
            arrivals.append(.init(sequence: checkpoint.sequence, received: Date(timeIntervalSince1970: Double(millis) / 1000),
                                  mediaMicros: checkpoint.mediaTimeMicros))
            position += 12 + length
        }
        return CheckpointTimeline.late(arrivals, interval: interval).count
    }

    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
