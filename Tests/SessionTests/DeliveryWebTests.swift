import Foundation
import NginxTestServer
import TestTools
import XCTest
@testable import Delivery
import Exam
@testable import Seal
@testable import ProctorModel

/// Uploads to a real nginx WebDAV server on loopback, through a relay that counts and cuts.
final class DeliveryWebTests: XCTestCase {
    private static let mebibyte = 1 << 20
    private var nginx: NginxServer!
    private var bundles: [TestBundle] = []

    override func setUpWithError() throws {
        nginx = try NginxServer()
    }

    override func tearDown() {
        nginx = nil
        bundles.forEach { $0.remove() }
    }

    private func makeBundle(size: Int) throws -> TestBundle {
        let bundle = try TestBundle(size: size)
        bundles.append(bundle)
        return bundle
    }

    /// Fast, bounded retries: a test never waits more than a fraction of a second per fault.
    private func options(segment: Int = 8 << 20, attempts: Int = 4) -> DeliveryOptions {
        var options = DeliveryOptions()
        options.segmentSize = segment
        options.retry = RetryPolicy(maxAttempts: attempts, initialDelay: 0.05, maxDelay: 0.2)
        options.idleTimeout = 5
        return options
    }

    private func deliveryError(_ body: () async throws(ProctorError) -> DeliveryReceipt) async -> ProctorError? {
        do {
            _ = try await body()
            return nil
        } catch {
            return error
        }
    }

    /// nginx logs a refused request only after discarding its body, which can be a moment
    /// after the client has its answer; so wait (briefly) for the expected number of lines.
    private func putRequests(_ path: String, status: String = "", atLeast expected: Int = 1) -> [String] {
        var lines: [String] = []
        waitUntil(timeout: 3, poll: 0.02) {
            lines = nginx.accessLog().filter { $0.hasPrefix("PUT \(path)") && $0.contains(" \(status)") }
            return lines.count >= expected
        }
        return lines
    }

    func testWholeUploadIsByteIdenticalOnTheServer() async throws {
        let bundle = try makeBundle(size: 3 * Self.mebibyte + 12_345)
        let destination = try DeliveryDestination(parsing: nginx.url("dav/").absoluteString)
        let receipt = try await BundleDelivery.deliver(bundle: bundle.url, to: destination, options: options())

        XCTAssertEqual(try Data(contentsOf: nginx.file("dav/\(bundle.name)")), bundle.bytes)
        XCTAssertEqual(receipt.layout, .whole)
        XCTAssertEqual(receipt.verification, .range, "nginx serves byte ranges: the end of the file was read back")
        XCTAssertEqual(receipt.size, Int64(bundle.bytes.count))
        XCTAssertEqual(receipt.bytesSent, Int64(bundle.bytes.count))
        XCTAssertEqual(receipt.sha256, try Coreutils.sha256sum(bundle.url))
        XCTAssertEqual(try DeliveryReceipt.read(from: bundle.receiptURL), receipt)
        XCTAssertEqual(try Data(contentsOf: bundle.url), bundle.bytes, "the local bundle is never modified")
        XCTAssertEqual(putRequests("/dav/").count, 1)
    }

    func testSegmentedUploadIsCollectedByteIdentical() async throws {
        let bundle = try makeBundle(size: 4 * Self.mebibyte + 500_000)
        let destination = try DeliveryDestination(parsing: nginx.url("dav/").absoluteString)
        let receipt = try await BundleDelivery.deliver(bundle: bundle.url, to: destination, options: options(segment: Self.mebibyte))

        XCTAssertEqual(receipt.layout, .segments)
        XCTAssertEqual(receipt.segments, 5)
        XCTAssertEqual(receipt.bytesSent, Int64(bundle.bytes.count))
        let parts = nginx.file("dav/\(bundle.name).parts")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: parts.path).count, 6, "5 segments and the manifest")
        XCTAssertEqual(putRequests("/dav/\(bundle.name).parts/part-", status: "201 ", atLeast: 5).count, 5)

        let collected = try SegmentAssembler.collect(in: nginx.file("dav"))
        XCTAssertEqual(collected.map(\.bundle.lastPathComponent), [bundle.name])
        XCTAssertEqual(try Data(contentsOf: nginx.file("dav/\(bundle.name)")), bundle.bytes)
        XCTAssertEqual(try Coreutils.sha256sum(nginx.file("dav/\(bundle.name)")), receipt.sha256)
    }

    /// The connection drops 2.5 MiB into a 4.5 MiB upload; the same run retries and finishes
    /// without sending the two segments that had already arrived.
    func testDroppedConnectionResumesWithoutResendingArrivedSegments() async throws {
        let bundle = try makeBundle(size: 4 * Self.mebibyte + 500_000)
        let proxy = try CuttingProxy(to: nginx.port)
        defer { proxy.close() }
        proxy.cut(afterTotal: Int64(5 * Self.mebibyte / 2), thenRefuse: false)
        let destination = try DeliveryDestination(parsing: proxy.url("dav/").absoluteString)
        let receipt = try await BundleDelivery.deliver(bundle: bundle.url, to: destination, options: options(segment: Self.mebibyte))

        XCTAssertGreaterThanOrEqual(receipt.retries, 1)
        // Each segment was stored exactly once: nothing that had arrived was sent again.
        let stored = putRequests("/dav/\(bundle.name).parts/part-", status: "201 ", atLeast: 5)
        XCTAssertEqual(stored.count, 5)
        XCTAssertEqual(Set(stored).count, 5)
        // Sent: the whole bundle once, plus what had left for the segment that was cut: at most
        // that whole segment (the kernel may have taken all of it before the drop), never more.
        XCTAssertLessThanOrEqual(receipt.bytesSent, Int64(bundle.bytes.count + Self.mebibyte))
        XCTAssertGreaterThan(receipt.bytesSent, Int64(bundle.bytes.count))
        XCTAssertLessThan(proxy.bytesTowardsServer, Int64(bundle.bytes.count + Self.mebibyte + 64 << 10))

        _ = try SegmentAssembler.collect(in: nginx.file("dav"))
        XCTAssertEqual(try Data(contentsOf: nginx.file("dav/\(bundle.name)")), bundle.bytes)
    }

    /// The network goes away mid-upload and stays away: the run gives up with exit-74 I/O, keeps
    /// the bundle, writes no receipt; the next run sends only what had not arrived.
    func testInterruptedUploadGivesUpThenNextRunResumes() async throws {
        let bundle = try makeBundle(size: 4 * Self.mebibyte + 500_000)
        let proxy = try CuttingProxy(to: nginx.port)
        defer { proxy.close() }
        proxy.cut(afterTotal: Int64(5 * Self.mebibyte / 2), thenRefuse: true)
        let destination = try DeliveryDestination(parsing: proxy.url("dav/").absoluteString)

        let error = await deliveryError { () async throws(ProctorError) in
            try await BundleDelivery.deliver(bundle: bundle.url, to: destination, options: self.options(segment: Self.mebibyte, attempts: 3))
        }
        XCTAssertEqual(error?.code, .io)
        XCTAssertTrue(error?.message.contains("interrupted") ?? false, error?.message ?? "")
        XCTAssertTrue(error?.message.contains(bundle.url.path) ?? false, "the message says where the bundle is kept")
        XCTAssertFalse(FileManager.default.fileExists(atPath: bundle.receiptURL.path))
        XCTAssertEqual(try Data(contentsOf: bundle.url), bundle.bytes)

        proxy.heal()
        let before = proxy.bytesTowardsServer
        let receipt = try await BundleDelivery.deliver(bundle: bundle.url, to: destination, options: options(segment: Self.mebibyte))
        let remaining = Int64(bundle.bytes.count - 2 * Self.mebibyte)
        XCTAssertEqual(receipt.bytesAlreadyThere, Int64(2 * Self.mebibyte), "segments 0 and 1 arrived before the cut")
        XCTAssertEqual(receipt.bytesSent, remaining, "only segments 2, 3 and 4 are sent again")
        XCTAssertLessThan(proxy.bytesTowardsServer - before, remaining + 64 << 10)

        _ = try SegmentAssembler.collect(in: nginx.file("dav"))
        XCTAssertEqual(try Data(contentsOf: nginx.file("dav/\(bundle.name)")), bundle.bytes)
    }

    func testCollectRefusesACorruptedSegment() async throws {
        let bundle = try makeBundle(size: 5 * Self.mebibyte / 2)
        let destination = try DeliveryDestination(parsing: nginx.url("dav/").absoluteString)
        _ = try await BundleDelivery.deliver(bundle: bundle.url, to: destination, options: options(segment: Self.mebibyte))
        let parts = nginx.file("dav/\(bundle.name).parts")
        let second = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: parts.path).first { $0.hasPrefix("part-00001-") })
        var bytes = try Data(contentsOf: parts.appendingPathComponent(second))
        bytes[500] ^= 0x01
        try bytes.write(to: parts.appendingPathComponent(second))

        XCTAssertThrowsError(try SegmentAssembler.collect(in: nginx.file("dav"))) { error in
            XCTAssertEqual((error as? ProctorError)?.code, .verification)
            XCTAssertTrue((error as? ProctorError)?.message.contains(second) ?? false)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: nginx.file("dav").path), [bundle.name + ".parts"],
                       "neither the bundle nor a partial assembly is left behind")
    }

    /// A slow but steady line is not a fault: a PUT lasting well over the idle timeout completes
    /// without a retry (URLSession's own timeout would have cut it). The body is far larger than
    /// what the kernel buffers on loopback, so the uploader sees progress while it lasts.
    func testSlowSteadyUploadOutlastsTheIdleTimeout() async throws {
        let bundle = try makeBundle(size: 16 * Self.mebibyte)
        let proxy = try CuttingProxy(to: nginx.port)
        defer { proxy.close() }
        proxy.pace(bytesPerSecond: Double(4 * Self.mebibyte))
        var options = options(segment: 32 * Self.mebibyte)
        options.idleTimeout = 2.5
        let started = Date()
        let receipt = try await BundleDelivery.deliver(bundle: bundle.url, to: try DeliveryDestination(parsing: proxy.url("dav/").absoluteString),
                                                       options: options)
        XCTAssertGreaterThan(Date().timeIntervalSince(started), 3.5, "the pacing worked, so the PUT outlasted the timeout")
        XCTAssertEqual(receipt.retries, 0)
        XCTAssertEqual(try Data(contentsOf: nginx.file("dav/\(bundle.name)")), bundle.bytes)
    }

    /// The line goes silent mid-segment without closing (no RST, no FIN): the idle watchdog
    /// gives up on that request and the retry resumes at that segment.
    func testSilentStallIsDetectedAndResumed() async throws {
        let bundle = try makeBundle(size: 7 * Self.mebibyte / 2)
        let proxy = try CuttingProxy(to: nginx.port)
        defer { proxy.close() }
        proxy.stall(afterTotal: Int64(3 * Self.mebibyte / 2))
        var options = options(segment: Self.mebibyte)
        // Long enough that a busy machine's ordinary pauses are not taken for the stall.
        options.idleTimeout = 1.5
        let receipt = try await BundleDelivery.deliver(bundle: bundle.url, to: try DeliveryDestination(parsing: proxy.url("dav/").absoluteString),
                                                       options: options)
        XCTAssertEqual(receipt.retries, 1)
        XCTAssertEqual(putRequests("/dav/\(bundle.name).parts/part-", status: "201 ", atLeast: 4).count, 4)
        _ = try SegmentAssembler.collect(in: nginx.file("dav"))
        XCTAssertEqual(try Data(contentsOf: nginx.file("dav/\(bundle.name)")), bundle.bytes)
    }

    func testForbiddenIsAPermissionError() async throws {
        let bundle = try makeBundle(size: 300_000)
        let destination = try DeliveryDestination(parsing: nginx.url("forbidden/").absoluteString)
        let error = await deliveryError { () async throws(ProctorError) in
            try await BundleDelivery.deliver(bundle: bundle.url, to: destination, options: self.options())
        }
        XCTAssertEqual(error?.code, .permission)
        XCTAssertTrue(error?.message.contains("HTTP 403") ?? false, error?.message ?? "")
        XCTAssertEqual(putRequests("/forbidden/").count, 1, "a refusal is not retried")
        XCTAssertFalse(FileManager.default.fileExists(atPath: bundle.receiptURL.path))
        XCTAssertEqual(try Data(contentsOf: bundle.url), bundle.bytes)
    }

    func testTooLargeIsAnIOError() async throws {
        let bundle = try makeBundle(size: 3 * Self.mebibyte)
        let destination = try DeliveryDestination(parsing: nginx.url("small/").absoluteString)
        let error = await deliveryError { () async throws(ProctorError) in
            try await BundleDelivery.deliver(bundle: bundle.url, to: destination, options: self.options())
        }
        XCTAssertEqual(error?.code, .io)
        XCTAssertTrue(error?.message.contains("HTTP 413") ?? false, error?.message ?? "")
        XCTAssertEqual(putRequests("/small/").count, 1, "a size refusal is not retried")
        XCTAssertFalse(FileManager.default.fileExists(atPath: nginx.file("small/\(bundle.name)").path))
    }

    func testUnreachableServerIsUnavailable() async throws {
        let bundle = try makeBundle(size: 100_000)
        let port = try LoopbackPort.free()
        let destination = try DeliveryDestination(parsing: "http://127.0.0.1:\(port)/dav/")
        let error = await deliveryError { () async throws(ProctorError) in
            try await BundleDelivery.deliver(bundle: bundle.url, to: destination, options: self.options(attempts: 2))
        }
        XCTAssertEqual(error?.code, .unavailable)
        XCTAssertTrue(error?.message.contains("cannot reach") ?? false, error?.message ?? "")
    }

    /// A certificate the machine does not trust is refused at once, not retried: waiting cannot fix it.
    func testUntrustedCertificateIsUnavailableWithoutRetries() async throws {
        let https = try NginxServer(tls: true)
        let bundle = try makeBundle(size: 100_000)
        let destination = try DeliveryDestination(parsing: https.url("dav/").absoluteString)
        let retries = RetryCount()
        let error = await deliveryError { () async throws(ProctorError) in
            try await BundleDelivery.deliver(bundle: bundle.url, to: destination, options: self.options(attempts: 4), onEvent: retries.note)
        }
        XCTAssertEqual(retries.value, 0)
        XCTAssertEqual(error?.code, .unavailable)
        XCTAssertTrue(error?.message.contains("TLS certificate was not accepted") ?? false, error?.message ?? "")
        XCTAssertEqual(https.accessLog(), [], "the handshake failed, so no request reached nginx")
    }

    func testCredentialsAndSignaturesStayOutOfReceipts() throws {
        let destination = try DeliveryDestination(parsing: "https://dav.example.edu/exams/x.proctor?X-Amz-Signature=abc")
        XCTAssertEqual(destination.description, "https://dav.example.edu/exams/x.proctor?…")
        // Credentials in the URL are refused, and the refusal itself does not repeat the password.
        XCTAssertThrowsError(try DeliveryDestination(parsing: "https://student:secret@dav.example.edu/exams/x.proctor")) { error in
            let error = error as? ProctorError
            XCTAssertEqual(error?.code, .usage)
            XCTAssertEqual(error?.message, "the upload URL https://dav.example.edu/exams/x.proctor must not carry a user name or password: pass it without them and put user:password in $PROCTOR_SUBMIT_CREDENTIALS or in a file named with --credentials-file")
        }
        XCTAssertEqual(String(describing: try SubmitCredentials(text: "student:se:cret\n", source: "test")), "(credentials for student)")
        // Exam files made before the refusal may carry credentials: the disclosure drops them.
        XCTAssertEqual(ExamDisclosure.withoutCredentials("https://student:secret@dav.example.edu/in/?x=1"), "https://dav.example.edu/in/?x=1")
        XCTAssertEqual(ExamDisclosure.withoutCredentials("/mnt/share/in"), "/mnt/share/in")
        XCTAssertEqual(DeliveryDestination.redacted("https://student:secret@dav.example.edu/in/"), "https://dav.example.edu/in/")
        guard case .webObject = destination else { return XCTFail("a URL naming a file is a single object") }
        guard case .webFolder = try DeliveryDestination(parsing: "http://host/dav/") else { return XCTFail("a trailing slash is a folder") }
        XCTAssertThrowsError(try DeliveryDestination(parsing: "ftp://host/x")) { error in
            XCTAssertEqual((error as? ProctorError)?.code, .usage)
        }
    }
}

/// Servers that do not keep what they accept, and redirects: nothing is taken on trust.
extension DeliveryWebTests {
    private func credentials() throws -> SubmitCredentials { try SubmitCredentials(text: "student:s3cret", source: "test") }

    /// A real bundle recorded on this machine (session state beside it), started long ago.
    private func localRecording() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-local-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("s1234567-MATH101-final.proctor")
        try Data(try BundleTestKit.smallBundle()).write(to: url)
        try Data("{}".utf8).write(to: SessionState.url(forBundle: url))
        return url
    }

    /// A 307 to another origin is not followed: nothing reaches the target, the credentials go
    /// nowhere but the first origin, and the error names where the server pointed.
    func testRedirectIsNotFollowedAndCredentialsStayWithTheOrigin() async throws {
        let bundle = try makeBundle(size: 200_000)
        var options = self.options()
        options.credentials = try credentials()
        let destination = try DeliveryDestination(parsing: nginx.url("moved/\(bundle.name)").absoluteString)
        let error = await deliveryError { () async throws(ProctorError) in
            try await BundleDelivery.deliver(bundle: bundle.url, to: destination, options: options)
        }
        XCTAssertEqual(error?.code, .unavailable)
        XCTAssertEqual(error?.message, "\(nginx.url("moved/\(bundle.name)").absoluteString) answered HTTP 307, a redirect to http://localhost:\(nginx.port)/dav/\(bundle.name), which uploads never follow: ask your instructor for the final submission address; your bundle is kept at \(bundle.url.path)")
        XCTAssertEqual(putRequests("/moved/", status: "307").count, 1)
        XCTAssertEqual(nginx.accessLog().filter { $0.contains("/dav/") }, [], "the redirect target got no request")
        XCTAssertEqual(nginx.authLog().map { $0.split(separator: " ")[1] }, ["127.0.0.1"], "one request, to the origin given")
        XCTAssertFalse(FileManager.default.fileExists(atPath: nginx.file("dav/\(bundle.name)").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: bundle.receiptURL.path))
    }

    func testCredentialsAreSentAsBasicAuthenticationToTheDestination() async throws {
        let bundle = try makeBundle(size: 100_000)
        var options = self.options()
        options.credentials = try credentials()
        let receipt = try await BundleDelivery.deliver(bundle: bundle.url, to: try DeliveryDestination(parsing: nginx.url("dav/").absoluteString), options: options)
        XCTAssertEqual(receipt.verification, .range)
        let log = nginx.authLog()
        XCTAssertEqual(log.map { $0.split(separator: " ")[0] }, ["PUT", "HEAD", "GET"])
        XCTAssertEqual(Set(log.map { $0.split(separator: " ")[3] }), ["student"])
        XCTAssertFalse(String(decoding: receipt.encoded(), as: UTF8.self).contains("s3cret"))
    }

    /// 201 to the PUT, 404 when read back: caught (74), no receipt, and purge keeps the bundle.
    func testServerThatAcceptsAndDiscardsIsCaughtAndPurgeKeepsTheBundle() async throws {
        let url = try localRecording()
        let destination = try DeliveryDestination(parsing: nginx.url("discard/").absoluteString)
        let error = await deliveryError { () async throws(ProctorError) in
            try await BundleDelivery.deliver(bundle: url, to: destination, options: self.options())
        }
        XCTAssertEqual(error?.code, .io)
        XCTAssertEqual(error?.message, "\(nginx.url("discard/\(url.lastPathComponent)").absoluteString) accepted the upload but then does not have it (HTTP 404 when read back): it stored nothing; tell your instructor; your bundle is kept at \(url.path)")
        XCTAssertEqual(putRequests("/discard/", status: "201").count, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: DeliveryReceipt.url(for: url).path))

        let purge = try RetentionPurge.run(directory: url.deletingLastPathComponent(), olderThan: 0, dryRun: false)
        XCTAssertEqual(purge.plan.expired, [])
        XCTAssertTrue(FileManager.default.fileExists(atPath: url.path), "purge never deletes the only copy")
    }

    /// A PUT-only URL (403 to HEAD and GET) gives an `acknowledged` receipt, which purge does not trust.
    func testAcknowledgedOnlyReceiptDoesNotLetPurgeDelete() async throws {
        let url = try localRecording()
        let destination = try DeliveryDestination(parsing: nginx.url("blind/\(url.lastPathComponent)").absoluteString)
        let receipt = try await BundleDelivery.deliver(bundle: url, to: destination, options: options())
        XCTAssertEqual(receipt.verification, .acknowledged)
        XCTAssertFalse(receipt.verification.readBack)
        XCTAssertEqual(try DeliveryReceipt.read(from: DeliveryReceipt.url(for: url)).verification, .acknowledged)
        let purge = try RetentionPurge.run(directory: url.deletingLastPathComponent(), olderThan: 0, dryRun: false)
        XCTAssertEqual(purge.plan.expired, [])
        XCTAssertTrue(FileManager.default.fileExists(atPath: url.path))

        // The same bundle read back by a real WebDAV server: now purge may let it go.
        let stored = try await BundleDelivery.deliver(bundle: url, to: try DeliveryDestination(parsing: nginx.url("dav/").absoluteString), options: options())
        XCTAssertEqual(stored.verification, .range)
        let after = try RetentionPurge.run(directory: url.deletingLastPathComponent(), olderThan: 0, dryRun: false)
        XCTAssertEqual(after.plan.expired.map(\.url.lastPathComponent), [url.lastPathComponent])
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
    }

    func testDigestHeadersAreReadInEachSpelling() {
        let hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        let base64 = WebUpload.base64(hex: hex)
        for (name, value) in [("repr-digest", "sha-512=:AAAA:, sha-256=:\(base64):"), ("content-digest", "sha-256=:\(base64):"), ("digest", "SHA-256=\(base64)")] {
            let response = HTTPResponse(status: 200, headers: [name: value], body: Data())
            XCTAssertEqual(WebUpload.sha256(fromDigestHeadersOf: response), hex, name)
        }
        XCTAssertNil(WebUpload.sha256(fromDigestHeadersOf: HTTPResponse(status: 200, headers: ["digest": "md5=AAAA"], body: Data())))
    }
}

/// Counts `.retrying` events, which arrive on URLSession's delegate thread.
private final class RetryCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    var value: Int { lock.withLock { count } }

    func note(_ event: DeliveryEvent) {
        if case .retrying = event { lock.withLock { count += 1 } }
    }
}
