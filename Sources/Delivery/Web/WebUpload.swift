import Foundation
import ProctorModel
import Seal

/// Sends a bundle by HTTP PUT, either whole or as content-named segments plus a manifest.
final class WebUpload {
    struct Outcome {
        let location: URL
        let layout: DeliveryReceipt.Layout
        let verification: DeliveryReceipt.Verification
        let segmentCount: Int
    }

    private let client: HTTPClient
    private let bundle: BundleFile
    private let digest: BundleDigest
    private let steps: RetryingSteps
    private let onEvent: DeliveryEventHandler
    private let name: String
    /// Request-body bytes handed to the network in this run, failed attempts included.
    private let sent = ByteCounter()
    private(set) var bytesSkipped: Int64 = 0
    /// Bytes of the bundle known to be at the destination, for progress.
    private var bytesDone: Int64 = 0

    var bytesSent: Int64 { sent.value }

    init(client: HTTPClient, bundle: BundleFile, digest: BundleDigest, steps: RetryingSteps, onEvent: @escaping DeliveryEventHandler) {
        self.client = client
        self.bundle = bundle
        self.digest = digest
        self.steps = steps
        self.onEvent = onEvent
        self.name = bundle.url.lastPathComponent
    }

    /// One PUT of the whole file. A fault means starting this PUT again: plain PUT has no way to
    /// continue a body, and a presigned URL allows no other object name.
    func putWhole(to url: URL) async throws(ProctorError) -> Outcome {
        try await steps.run { () async throws(StepFailure) in
            let response = try await self.put(url, .file(self.bundle.url, size: self.digest.size), sha256: self.digest.sha256, base: 0)
            try self.steps.check(response, doing: "accept the bundle", size: self.digest.size)
        }
        bytesDone = digest.size
        onEvent(.verifying)
        let verification = try await steps.run { () async throws(StepFailure) -> DeliveryReceipt.Verification in
            let head = try await self.steps.send(self.client, "HEAD", url)
            // A presigned PUT URL is signed for PUT only; the 2xx to the PUT is all we can know.
            if [401, 403, 405].contains(head.status) { return .acknowledged }
            try self.expectStored(head, at: url)
            try self.steps.check(head, doing: "report the uploaded size", size: self.digest.size)
            try self.expect(head, length: self.digest.size, at: url)
            if let held = Self.sha256(fromDigestHeadersOf: head) {
                guard held == self.digest.sha256 else {
                    throw .final(ProctorError(.io, "after the upload, \(DeliveryDestination.redacted(url)) holds different bytes (its SHA-256 is \(held), the bundle's \(self.digest.sha256)); run `proctor submit` again; your bundle is kept at \(self.bundle.url.path)"))
                }
                return .digest
            }
            return try await self.readBackEnd(of: url) ? .range : .size
        }
        return Outcome(location: url, layout: .whole, verification: verification, segmentCount: 1)
    }

    /// How much of the end of the file is read back: a server that kept only part of the body,
    /// or something else under the name, differs there; small enough to cost nothing.
    static let readBackBytes = 64 << 10

    /// GETs the last bytes of `url` with a Range request and compares their SHA-256 with the
    /// bundle's bytes there. False when the server does not serve ranges (200 or an error):
    /// then the size check is all there is.
    private func readBackEnd(of url: URL) async throws(StepFailure) -> Bool {
        let count = Int(min(Int64(Self.readBackBytes), digest.size))
        let offset = digest.size - Int64(count)
        let response = try await steps.send(client, "GET", url, headers: ["Range": "bytes=\(offset)-\(digest.size - 1)"])
        guard response.status == 206 else { return false }
        let local: Data
        do {
            local = try bundle.data(at: offset, count: count)
        } catch {
            throw .final(error)
        }
        guard response.body.count == count, SHA256.hash(Array(response.body)) == SHA256.hash(Array(local)) else {
            throw .final(ProctorError(.io, "after the upload, \(DeliveryDestination.redacted(url)) holds different bytes at the end of the file than the bundle; run `proctor submit` again; your bundle is kept at \(bundle.url.path)"))
        }
        return true
    }

    /// A 2xx to the PUT and then 404 or 410 to HEAD: the server took the upload and kept nothing.
    private func expectStored(_ head: HTTPResponse, at url: URL) throws(StepFailure) {
        guard [404, 410].contains(head.status) else { return }
        steps.noteAnswer()
        throw .final(ProctorError(.io, "\(DeliveryDestination.redacted(url)) accepted the upload but then does not have it (HTTP \(head.status) when read back): it stored nothing; tell your instructor; your bundle is kept at \(bundle.url.path)"))
    }

    /// The SHA-256 (hex) a server states for what it holds: RFC 9530 `Repr-Digest` or
    /// `Content-Digest` (`sha-256=:BASE64:`), or RFC 3230 `Digest` (`SHA-256=BASE64`).
    static func sha256(fromDigestHeadersOf response: HTTPResponse) -> String? {
        for name in ["Repr-Digest", "Content-Digest", "Digest"] {
            guard let value = response.header(name) else { continue }
            for item in value.split(separator: ",") {
                let parts = item.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[0].lowercased() == "sha-256" else { continue }
                let encoded = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: ":"))
                guard let bytes = Data(base64Encoded: encoded), bytes.count == 32 else { continue }
                return [UInt8](bytes).hexString
            }
        }
        return nil
    }

    /// Segments into `folder/NAME.parts/`, skipping those already there, then the manifest.
    func putSegments(into folder: URL) async throws(ProctorError) -> Outcome {
        let parts = folder.appendingPathComponent(name + SegmentManifest.folderSuffix, isDirectory: true)
        try await steps.run { () async throws(StepFailure) in
            let response = try await self.steps.send(self.client, "MKCOL", parts)
            // 405 on MKCOL means the collection exists (RFC 4918 9.3.1): an earlier attempt made it.
            if response.status == 405 { return }
            try self.steps.check(response, doing: "create the segment folder", size: self.digest.size)
        }
        let manifest = SegmentManifest(bundle: name, digest: digest)
        for (segment, entry) in zip(digest.segments, manifest.segments) {
            let url = parts.appendingPathComponent(entry.name)
            try await steps.run { () async throws(StepFailure) in try await self.deliver(segment, to: url) }
        }
        let manifestURL = parts.appendingPathComponent(SegmentManifest.fileName)
        let manifestData = manifest.encoded()
        try await steps.run { () async throws(StepFailure) in
            let response = try await self.steps.send(self.client, "PUT", manifestURL, body: .data(manifestData),
                                                     headers: ["Content-Type": "application/json"])
            try self.steps.check(response, doing: "accept the segment manifest", size: self.digest.size)
        }
        onEvent(.verifying)
        for entry in manifest.segments {
            let url = parts.appendingPathComponent(entry.name)
            try await steps.run { () async throws(StepFailure) in
                let head = try await self.steps.send(self.client, "HEAD", url)
                try self.expectStored(head, at: url)
                try self.steps.check(head, doing: "report a segment's size", size: self.digest.size)
                try self.expect(head, length: Int64(entry.length), at: url)
            }
        }
        return Outcome(location: parts, layout: .segments, verification: .size, segmentCount: manifest.segments.count)
    }

    private func deliver(_ segment: BundleDigest.Segment, to url: URL) async throws(StepFailure) {
        let head = try await steps.send(client, "HEAD", url)
        if head.status == 200, head.contentLength == Int64(segment.length) {
            bytesSkipped += Int64(segment.length)
            bytesDone += Int64(segment.length)
            onEvent(.resumed(alreadyThere: bytesSkipped, total: digest.size))
            return
        }
        let data: Data
        do {
            data = try bundle.data(at: segment.offset, count: segment.length)
        } catch {
            throw .final(error)
        }
        let response = try await put(url, .data(data), sha256: segment.sha256, base: bytesDone)
        try steps.check(response, doing: "accept a segment", size: Int64(segment.length))
        bytesDone += Int64(segment.length)
    }

    private func put(_ url: URL, _ body: HTTPBody, sha256: String, base: Int64) async throws(StepFailure) -> HTTPResponse {
        let total = digest.size
        let onEvent = onEvent
        let sent = sent
        let before = sent.value
        // RFC 9530: a server that checks digests rejects a corrupted body; others ignore it.
        let headers = ["Content-Type": "application/octet-stream", "Content-Digest": "sha-256=:\(Self.base64(hex: sha256)):"]
        return try await steps.send(client, "PUT", url, body: body, headers: headers) { bodyBytes in
            sent.set(before + bodyBytes)
            onEvent(.sending(done: min(total, base + bodyBytes), total: total))
        }
    }

    private func expect(_ head: HTTPResponse, length: Int64, at url: URL) throws(StepFailure) {
        guard let found = head.contentLength, found == length else {
            let found = head.contentLength.map { "\($0) bytes" } ?? "no size"
            throw .final(ProctorError(.io, "after the upload, \(DeliveryDestination.redacted(url)) reports \(found) instead of \(length) bytes; run `proctor submit` again"))
        }
    }

    static func base64(hex: String) -> String {
        var bytes = [UInt8]()
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
            bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return Data(bytes).base64EncodedString()
    }
}
