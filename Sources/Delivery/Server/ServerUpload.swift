import Attest
import Exam
import Foundation
import ProctorModel
import Seal

/// `proctor submit` to the exam's collection server: the tus upload (docs/server.md, "Upload"),
/// resumed from the server's `Upload-Offset` after any failure, then the signed receipt,
/// checked under the pinned key against the local file's SHA-256 and stored beside the bundle
/// as `BUNDLE.server-receipt`.
package enum ServerUpload {
    package struct Result: Sendable {
        package let receipt: ServerReceipt
        package let receiptURL: URL
        package let bytesSent: Int
    }

    package static func receiptURL(for bundle: URL) -> URL { bundle.appendingPathExtension("server-receipt") }

    /// The server a bundle goes to: its header carries a ticket and its exam names a server.
    package static func server(for bundle: URL, exam: ExamFile?) throws(ProctorError) -> (ServerSettings, AttemptTicket)? {
        // A file whose header does not read is delivered as before: the destination decides.
        guard let header = try? BundleReader(contentsOf: bundle).header, let signed = header.attemptTicket else { return nil }
        let file: ExamFile
        if let exam { file = exam } else { file = try ExamFile.load(try ExamLocator.resolve(header.examId)) }
        guard file.sha256 == header.examFileSHA256, let server = file.settings.server else {
            throw ProctorError(.usage, "the bundle was recorded under exam file \(header.examFileSHA256.hexString.prefix(16))…, not \(file.settings.id)'s; pass --exam with the exam file it ran under")
        }
        return (server, try AttemptTicket.open(signed, publicKey: server.key.publicKey))
    }

    package static func deliver(bundle: URL, server: ServerSettings, ticket: AttemptTicket, segmentSize: Int,
                                attempts: Int, onProgress: @Sendable (Int, Int) -> Void) async throws(ProctorError) -> Result {
        guard let base = URL(string: server.url) else { throw ProctorError(.badData, "the exam's server URL is not a URL") }
        let file = try BundleFile(url: bundle)
        let size = Int(file.size)
        let client = ServerClient(base: base)
        defer { client.close() }
        let path = "v1/attempts/\(ticket.attemptId)/upload"
        var sent = 0
        var failures = 0
        while true {
            do {
                if try await client.receiptIfHeld(attemptId: ticket.attemptId) == nil {
                    var offset = try await client.tus("POST", path, headers: ["Upload-Length": String(size)])
                    while offset < size {
                        onProgress(offset, size)
                        let chunk = try file.data(at: Int64(offset), count: min(segmentSize, size - offset))
                        offset = try await client.tus("PATCH", path, headers: ["Upload-Offset": String(offset),
                                                                                "Content-Type": "application/offset+octet-stream"], body: chunk)
                        sent += chunk.count
                    }
                    onProgress(size, size)
                }
                break
            } catch where error.code == .unavailable && failures + 1 < attempts {
                // The network or the server went away: HEAD-less resume, the POST answers the held offset.
                failures += 1
                try? await Task.sleep(for: .seconds(min(30, 1 << failures)))
            }
        }
        guard let signed = try await client.receiptIfHeld(attemptId: ticket.attemptId) else {
            throw ProctorError(.unavailable, "the exam server took the upload but has no receipt for it; run `proctor submit` again")
        }
        let receipt: ServerReceipt
        do { receipt = try ServerReceipt.open(signed, publicKey: server.key.publicKey) } catch {
            throw ProctorError(.verification, "the server's receipt does not verify under the exam's pinned key \(server.key.name): \(error.message); the bundle is kept")
        }
        let local = try BundleDigest(of: file, segmentSize: max(size, 1)).sha256
        guard receipt.bundleSHA256.hexString == local, receipt.bundleSize == UInt64(size), receipt.attemptId == ticket.attemptId else {
            throw ProctorError(.verification, "the server's receipt names other bytes than this bundle; the bundle is kept")
        }
        let url = receiptURL(for: bundle)
        do { try Data(signed).write(to: url, options: .atomic) } catch {
            throw ProctorError(.io, "cannot store the receipt at \(url.path): \(error.localizedDescription)")
        }
        return Result(receipt: receipt, receiptURL: url, bytesSent: sent)
    }
}

extension ServerClient {
    /// One tus request; the server's `Upload-Offset` after it.
    func tus(_ method: String, _ path: String, headers: [String: String], body: Data = Data()) async throws(ProctorError) -> Int {
        guard let url = URL(string: path, relativeTo: base) else { throw ProctorError(.internalFailure, "bad upload path") }
        var all = headers
        all["Tus-Resumable"] = "1.0.0"
        let response: HTTPResponse
        do {
            response = try await http.send(method, url, body: body.isEmpty ? .empty : .data(body), headers: all)
        } catch {
            throw ProctorError(.unavailable, "cannot reach the exam server at \(base.absoluteString): \(error.reason)")
        }
        guard (200..<300).contains(response.status), let offset = response.header("Upload-Offset").flatMap(Int.init) else {
            throw Self.refusal(response)
        }
        return offset
    }

    /// The signed receipt if the server has received this attempt's bundle.
    func receiptIfHeld(attemptId: String) async throws(ProctorError) -> [UInt8]? {
        guard let url = URL(string: "v1/attempts/\(attemptId)/receipt", relativeTo: base) else { return nil }
        let response: HTTPResponse
        do { response = try await http.send("GET", url) } catch {
            throw ProctorError(.unavailable, "cannot reach the exam server at \(base.absoluteString): \(error.reason)")
        }
        if response.status == 404 { return nil }
        struct Answer: Decodable { let receipt: String }
        guard response.status == 200, let answer = try? JSONDecoder().decode(Answer.self, from: response.body),
              let signed = Base64.decode(answer.receipt) else { throw Self.refusal(response) }
        return signed
    }
}

extension ServerUpload {
    /// `BUNDLE.server-receipt` verifies under the pinned key of the exam the bundle ran under
    /// and names exactly this file's SHA-256, size and attempt: only then may `purge` delete it.
    package static func hasValidReceipt(_ bundle: URL, environment: [String: String]) -> Bool {
        guard let signed = FileManager.default.contents(atPath: receiptURL(for: bundle).path),
              let header = try? BundleReader(contentsOf: bundle).header, let ticketBytes = header.attemptTicket,
              // The exam file the session ran under, as its state file recorded, else by its id.
              let examURL = (try? SessionState.load(from: SessionState.url(forBundle: bundle)))
                  .map({ URL(fileURLWithPath: $0.examFilePath) }) ?? (try? ExamLocator.resolve(header.examId, environment: environment)),
              let exam = try? ExamFile.load(examURL), exam.sha256 == header.examFileSHA256, let server = exam.settings.server,
              let ticket = try? AttemptTicket.open(ticketBytes, publicKey: server.key.publicKey),
              let receipt = try? ServerReceipt.open(Array(signed), publicKey: server.key.publicKey),
              let file = try? BundleFile(url: bundle),
              let digest = try? BundleDigest(of: file, segmentSize: max(Int(file.size), 1)) else { return false }
        return receipt.attemptId == ticket.attemptId && receipt.bundleSize == UInt64(file.size)
            && receipt.bundleSHA256.hexString == digest.sha256
    }
}
