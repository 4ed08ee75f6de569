import Foundation
import TestTools
import XCTest
#if canImport(Glibc)
import Glibc
@testable import Delivery
@testable import ProctorModel
@testable import Report
#endif

final class DeliveryFolderTests: XCTestCase {
    private static let mebibyte = 1 << 20
    private var cleanup: [URL] = []

    override func tearDown() {
        cleanup.forEach { try? FileManager.default.removeItem(at: $0) }
    }

    private func makeBundle(size: Int) throws -> TestBundle {
        let bundle = try TestBundle(size: size)
        cleanup.append(bundle.folder)
        return bundle
    }

    private func makeFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-share-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        cleanup.append(folder)
        return folder
    }

    private func deliveryError(_ bundle: TestBundle, to folder: URL) async -> ProctorError? {
        do {
            _ = try await BundleDelivery.deliver(bundle: bundle.url, to: .directory(folder))
            return nil
        } catch {
            return error
        }
    }

    /// The kernel's own account (inotify) of every name created, written or closed in the folder:
    /// the final name is never created, written or closed, it only appears by rename.
    func testFinalNameOnlyEverAppearsComplete() async throws {
        let bundle = try makeBundle(size: 6 * Self.mebibyte + 777)
        let folder = try makeFolder()
        let watch = try FolderWatch(folder)
        let receipt = try await BundleDelivery.deliver(bundle: bundle.url, to: .directory(folder))

        let events = watch.events()
        let finalEvents = events.filter { $0.name == bundle.name }
        XCTAssertEqual(finalEvents, [FolderWatch.Event(name: bundle.name, mask: UInt32(IN_MOVED_TO))])
        let temporary = "." + bundle.name + ".partial"
        XCTAssertTrue(events.contains(FolderWatch.Event(name: temporary, mask: UInt32(IN_CREATE))))
        // inotify merges repeated identical events, so many writes may show as one.
        XCTAssertTrue(events.contains(FolderWatch.Event(name: temporary, mask: UInt32(IN_MODIFY))))
        XCTAssertTrue(events.contains(FolderWatch.Event(name: temporary, mask: UInt32(IN_MOVED_FROM))))

        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent(bundle.name)), bundle.bytes)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [bundle.name])
        XCTAssertEqual(receipt.verification, .sha256)
        XCTAssertEqual(receipt.sha256, try Coreutils.sha256sum(bundle.url))
        XCTAssertEqual(receipt.bytesSent, Int64(bundle.bytes.count))
        XCTAssertEqual(try DeliveryReceipt.read(from: bundle.receiptURL), receipt)
    }

    func testInterruptedCopyResumesFromWhatIsThere() async throws {
        let bundle = try makeBundle(size: 3 * Self.mebibyte)
        let folder = try makeFolder()
        let arrived = 3 * Self.mebibyte / 2
        try bundle.bytes.prefix(arrived).write(to: folder.appendingPathComponent("." + bundle.name + ".partial"))

        let receipt = try await BundleDelivery.deliver(bundle: bundle.url, to: .directory(folder))
        XCTAssertEqual(receipt.bytesAlreadyThere, Int64(arrived))
        XCTAssertEqual(receipt.bytesSent, Int64(bundle.bytes.count - arrived))
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent(bundle.name)), bundle.bytes)
    }

    func testPartialCopyOfSomethingElseIsStartedOver() async throws {
        let bundle = try makeBundle(size: 2 * Self.mebibyte)
        let folder = try makeFolder()
        var wrong = bundle.bytes.prefix(Self.mebibyte)
        wrong[wrong.startIndex + 1000] ^= 0xff
        try Data(wrong).write(to: folder.appendingPathComponent("." + bundle.name + ".partial"))

        let receipt = try await BundleDelivery.deliver(bundle: bundle.url, to: .directory(folder))
        XCTAssertEqual(receipt.bytesAlreadyThere, 0)
        XCTAssertEqual(receipt.bytesSent, Int64(bundle.bytes.count))
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent(bundle.name)), bundle.bytes)
    }

    func testFullShareIsAnIOErrorAndLeavesNoPartialFile() async throws {
        let share = try SmallFileSystem(kibibytes: 1024)
        let bundle = try makeBundle(size: 3 * Self.mebibyte)
        let error = await deliveryError(bundle, to: share.folder)
        XCTAssertEqual(error?.code, .io)
        XCTAssertTrue(error?.message.contains("is full") ?? false, error?.message ?? "")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: share.folder.path), [])
        XCTAssertEqual(try Data(contentsOf: bundle.url), bundle.bytes)
        XCTAssertFalse(FileManager.default.fileExists(atPath: bundle.receiptURL.path))
    }

    func testReadOnlyShareIsAPermissionError() async throws {
        let share = try SmallFileSystem(kibibytes: 1024, readOnly: true)
        let bundle = try makeBundle(size: 100_000)
        let error = await deliveryError(bundle, to: share.folder)
        XCTAssertEqual(error?.code, .permission)
    }

    func testMissingFolderAndMissingBundle() async throws {
        let bundle = try makeBundle(size: 1000)
        let missingFolder = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-share-\(UUID().uuidString)")
        let unavailable = await deliveryError(bundle, to: missingFolder)
        XCTAssertEqual(unavailable?.code, .unavailable)

        let gone = try TestBundle(size: 10)
        gone.remove()
        let missing = await deliveryError(gone, to: try makeFolder())
        XCTAssertEqual(missing?.code, .missingInput)
    }

    func testADifferentFileUnderTheNameIsNeverOverwritten() async throws {
        let bundle = try makeBundle(size: 200_000)
        let folder = try makeFolder()
        let other = Data(repeating: 7, count: 200_000)
        try other.write(to: folder.appendingPathComponent(bundle.name))
        let error = await deliveryError(bundle, to: folder)
        XCTAssertEqual(error?.code, .io)
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent(bundle.name)), other)

        // The same bundle already there (an earlier run whose receipt was lost) is a success.
        try bundle.bytes.write(to: folder.appendingPathComponent(bundle.name))
        let receipt = try await BundleDelivery.deliver(bundle: bundle.url, to: .directory(folder))
        XCTAssertEqual(receipt.bytesSent, 0)
        XCTAssertEqual(receipt.bytesAlreadyThere, Int64(bundle.bytes.count))
    }
}
