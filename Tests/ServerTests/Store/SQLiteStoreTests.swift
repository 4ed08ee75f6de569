import Foundation
import Logging
import Server
import XCTest

/// The store contract (`StoreContract`) on SQLite: several stores are several connections to one file.
final class SQLiteStoreTests: XCTestCase {
    var folder: URL!
    var contract: StoreContract!

    override func setUp() async throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("sqlite-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("proctor.sqlite")
        contract = StoreContract { try await SQLiteStore.open(file, logger: Logger(label: "test")) }
    }

    override func tearDown() async throws {
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    func testPublishedExamRoundTripsAndARetryIsNotANewOne() async throws { try await contract.publishedExamRoundTripsAndARetryIsNotANewOne() }
    func testACodeAdmitsOnceAndTheRefusalStoresNothing() async throws { try await contract.aCodeAdmitsOnceAndTheRefusalStoresNothing() }
    func testConcurrentClaimsOfOneCodeAdmitExactlyOne() async throws { try await contract.concurrentClaimsOfOneCodeAdmitExactlyOne() }
    func testCheckpointsAreIdempotentOrderedAndKeepEveryField() async throws { try await contract.checkpointsAreIdempotentOrderedAndKeepEveryField() }
    func testConcurrentCheckpointsUnderOneSequenceStoreExactlyOne() async throws { try await contract.concurrentCheckpointsUnderOneSequenceStoreExactlyOne() }
    func testAForkIsMarkedOnceAndKeepsTheFirstSequence() async throws { try await contract.aForkIsMarkedOnceAndKeepsTheFirstSequence() }
    func testUploadsAdvanceAndReceiptsReplace() async throws { try await contract.uploadsAdvanceAndReceiptsReplace() }
    func testASecondStoreSeesWhatTheFirstWrote() async throws { try await contract.aSecondStoreSeesWhatTheFirstWrote() }
}
