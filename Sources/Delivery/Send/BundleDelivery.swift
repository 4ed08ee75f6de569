import Foundation
import ProctorModel

/// `proctor submit`'s library side: delivers a sealed bundle to a folder or an HTTP(S) PUT
/// destination, verifies what arrived, and stores a receipt beside the bundle. The bundle
/// itself is only ever read.
public enum BundleDelivery {
    public static func deliver(bundle url: URL, to destination: DeliveryDestination, options: DeliveryOptions = DeliveryOptions(),
                               onEvent: @escaping DeliveryEventHandler = { _ in }) async throws(ProctorError) -> DeliveryReceipt {
        guard options.segmentSize > 0 else { throw ProctorError(.usage, "the segment size must be positive") }
        let bundle = try BundleFile(url: url)
        guard bundle.size > 0 else {
            throw ProctorError(.badData, "the bundle \(url.path) is empty: nothing was recorded into it")
        }
        onEvent(.hashing(done: 0, total: bundle.size))
        let digest = try BundleDigest(of: bundle, segmentSize: options.segmentSize)
        onEvent(.hashing(done: bundle.size, total: bundle.size))

        let receipt: DeliveryReceipt
        switch destination {
        case .directory(let folder):
            let outcome = try FolderDelivery(bundle: bundle, digest: digest, folder: folder, onEvent: onEvent).deliver()
            receipt = DeliveryReceipt(
                bundle: url.lastPathComponent, sha256: digest.sha256, size: digest.size, destination: destination.description,
                location: outcome.location.path, layout: .whole, segments: 1, verification: .sha256,
                bytesSent: outcome.bytesWritten, bytesAlreadyThere: outcome.bytesSkipped, retries: 0, deliveredAt: wholeSecondsNow())
        case .webFolder(let folder):
            let object = folder.appendingPathComponent(url.lastPathComponent)
            receipt = try await upload(bundle, digest, destination, options, onEvent) { (upload) async throws(ProctorError) in
                // A bundle that fits in one segment gains nothing from segments: one PUT, and
                // a retry re-sends at most one segment's worth.
                digest.segments.count == 1 ? try await upload.putWhole(to: object) : try await upload.putSegments(into: folder)
            }
        case .webObject(let object):
            receipt = try await upload(bundle, digest, destination, options, onEvent) { (upload) async throws(ProctorError) in
                try await upload.putWhole(to: object)
            }
        }
        try receipt.store(beside: url)
        return receipt
    }

    /// The receipt stores whole seconds; rounding here keeps a read-back receipt equal to this one.
    private static func wholeSecondsNow() -> Date {
        Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
    }

    private static func upload(_ bundle: BundleFile, _ digest: BundleDigest, _ destination: DeliveryDestination, _ options: DeliveryOptions,
                               _ onEvent: @escaping DeliveryEventHandler,
                               _ body: (WebUpload) async throws(ProctorError) -> WebUpload.Outcome) async throws(ProctorError) -> DeliveryReceipt {
        let origin: URL? = switch destination {
        case .webFolder(let url), .webObject(let url): url
        case .directory: nil
        }
        let client = HTTPClient(idleTimeout: options.idleTimeout, credentials: options.credentials, for: origin)
        defer { client.close() }
        let steps = RetryingSteps(policy: options.retry, destination: destination.description, bundlePath: bundle.url.path, onEvent: onEvent)
        let upload = WebUpload(client: client, bundle: bundle, digest: digest, steps: steps, onEvent: onEvent)
        let outcome = try await body(upload)
        return DeliveryReceipt(
            bundle: bundle.url.lastPathComponent, sha256: digest.sha256, size: digest.size, destination: destination.description,
            location: DeliveryDestination.redacted(outcome.location), layout: outcome.layout, segments: outcome.segmentCount,
            verification: outcome.verification, bytesSent: upload.bytesSent, bytesAlreadyThere: upload.bytesSkipped,
            retries: steps.retries, deliveredAt: wholeSecondsNow())
    }
}
