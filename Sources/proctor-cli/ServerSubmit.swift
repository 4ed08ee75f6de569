import Attest
import Delivery
import Exam
import Foundation
import ProctorModel

extension Proctor.Submit {
    /// Uploads to the exam's collection server when the bundle carries its ticket; false when it
    /// does not (then the usual destinations apply).
    func submitToServer(_ bundleURL: URL) async throws -> Bool {
        let examFile = try exam.map { try ExamFile.load(try ExamLocator.resolve($0)) }
        guard let (server, ticket) = try ServerUpload.server(for: bundleURL, exam: examFile) else { return false }
        let progress = SubmitProgress()
        let result: ServerUpload.Result
        do {
            result = try await ServerUpload.deliver(bundle: bundleURL, server: server, ticket: ticket, segmentSize: segmentKib * 1024,
                                                    attempts: attempts) { sent, total in
                progress.show(.sending(done: Int64(sent), total: Int64(total)))
            }
            progress.end()
        } catch {
            progress.end()
            throw error
        }
        let receipt = result.receipt
        let formatter = ISO8601DateFormatter()
        if output.json {
            let json: [String: Any] = [
                "bundle": bundleURL.lastPathComponent, "server": server.url, "attemptId": receipt.attemptId,
                "sha256": receipt.bundleSHA256.hexString, "size": receipt.bundleSize, "receivedAt": formatter.string(from: receipt.receivedAt),
                "checkpoints": receipt.checkpoints.count, "allContained": receipt.checkpoints.allContained,
                "late": receipt.checkpoints.late, "receipt": result.receiptURL.path, "bytesSent": result.bytesSent,
            ]
            print(String(decoding: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print("""
                Delivered \(bundleURL.lastPathComponent) to \(server.url) (attempt \(receipt.attemptId))
                  sha256    \(receipt.bundleSHA256.hexString)
                  size      \(receipt.bundleSize) bytes, received \(formatter.string(from: receipt.receivedAt))
                  signed    by \(server.key.name) (\(server.key.fingerprint)): \(receipt.checkpoints.count) checkpoints, \(receipt.checkpoints.allContained ? "all contained" : "NOT all contained")\(receipt.checkpoints.late ? ", late" : "")
                  sent      \(result.bytesSent) bytes now\(result.bytesSent < Int(receipt.bundleSize) ? " (the rest was already on the server)" : "")
                  receipt   \(result.receiptURL.path)
                """)
        }
        return true
    }
}
