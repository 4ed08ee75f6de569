import Foundation
import ProctorModel

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
            try self.steps.check(head, doing: "report the uploaded size", size: self.digest.size)
            try self.expect(head, length: self.digest.size, at: url)
            return .size
        }
        return Outcome(location: url, layout: .whole, verification: verification, segmentCount: 1)
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
