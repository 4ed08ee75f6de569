import Foundation
import Logging
import PostgresTestServer
import ProctorModel
import Server
import XCTest

/// The store contract (`StoreContract`) on a real PostgreSQL, a private cluster started for this
/// class; each test gets a new database, and several stores are several connection pools on it.
/// Then what only PostgreSQL has: the schema version table and its start-up migration.
final class PostgresStoreTests: XCTestCase {
    nonisolated(unsafe) static var cluster: PostgresServer?
    var database: String!
    var contract: StoreContract!

    override class func setUp() {
        super.setUp()
        do { cluster = try PostgresServer() } catch { XCTFail("cannot start PostgreSQL: \(error)") }
    }

    override class func tearDown() {
        cluster?.stop()
        cluster = nil
        super.tearDown()
    }

    override func setUp() async throws {
        let cluster = try XCTUnwrap(Self.cluster)
        database = try cluster.createDatabase()
        let settings = try settings()
        let password = cluster.password
        contract = StoreContract { try await PostgresStore.open(settings, password: password, logger: Logger(label: "test")) }
    }

    func settings() throws -> PostgresSettings {
        var settings = try PostgresSettings(url: Self.cluster!.url(database: database))
        settings.tls = .disable
        return settings
    }

    /// As `proctor serve` opens it: the password from the environment variable `[metadata] password_env` names.
    func openThroughStartup(password: String) async throws -> any MetadataStore {
        var settings = try settings()
        settings.password = .environment("PROCTOR_TEST_DB_PASSWORD")
        var config = ServerConfig(dataDirectory: FileManager.default.temporaryDirectory)
        config.metadata = .postgres(settings)
        return try await ServerStartup.openStore(config, environment: ["PROCTOR_TEST_DB_PASSWORD": password], logger: Logger(label: "test"))
    }

    func testPublishedExamRoundTripsAndARetryIsNotANewOne() async throws { try await contract.publishedExamRoundTripsAndARetryIsNotANewOne() }
    func testACodeAdmitsOnceAndTheRefusalStoresNothing() async throws { try await contract.aCodeAdmitsOnceAndTheRefusalStoresNothing() }
    func testConcurrentClaimsOfOneCodeAdmitExactlyOne() async throws { try await contract.concurrentClaimsOfOneCodeAdmitExactlyOne() }
    func testCheckpointsAreIdempotentOrderedAndKeepEveryField() async throws { try await contract.checkpointsAreIdempotentOrderedAndKeepEveryField() }
    func testConcurrentCheckpointsUnderOneSequenceStoreExactlyOne() async throws { try await contract.concurrentCheckpointsUnderOneSequenceStoreExactlyOne() }
    func testAForkIsMarkedOnceAndKeepsTheFirstSequence() async throws { try await contract.aForkIsMarkedOnceAndKeepsTheFirstSequence() }
    func testUploadsAdvanceAndReceiptsReplace() async throws { try await contract.uploadsAdvanceAndReceiptsReplace() }
    func testASecondStoreSeesWhatTheFirstWrote() async throws { try await contract.aSecondStoreSeesWhatTheFirstWrote() }

    /// Four instances starting at once on an empty database: one migrates, all start, and the
    /// version table says 1 once.
    func testInstancesStartingTogetherMigrateOnce() async throws {
        let settings = try settings()
        let password = Self.cluster!.password
        let stores = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
            for _ in 0..<4 { group.addTask { try await PostgresStore.open(settings, password: password, logger: Logger(label: "test")) } }
            return try await group.reduce(into: [PostgresStore]()) { $0.append($1) }
        }
        XCTAssertEqual(stores.count, 4)
        XCTAssertEqual(try Self.cluster!.query("SELECT string_agg(version::text, ',') FROM proctor_schema", database: database), "1")
        XCTAssertEqual(try Self.cluster!.count("exams", database: database), 0)
        for store in stores { try await store.close() }
    }

    /// A database a newer proctor migrated is refused at start, with both versions named.
    func testANewerSchemaIsRefused() async throws {
        let store = try await contract.open()
        try await store.close()
        try Self.cluster!.query("INSERT INTO proctor_schema VALUES (7)", database: database)
        do {
            _ = try await openThroughStartup(password: Self.cluster!.password)
            XCTFail("a schema newer than this proctor must be refused")
        } catch let error as ProctorError {
            XCTAssertEqual(error.code, .unavailable)
            XCTAssertTrue(error.message.hasSuffix("the database schema is version 7, newer than this proctor's 1; upgrade proctor on this machine"), error.message)
        }
    }

    /// A wrong password fails the start with PostgreSQL's reason, and the message never holds the password.
    func testAWrongPasswordFailsWithTheServersReason() async throws {
        do {
            _ = try await openThroughStartup(password: "not-the-password")
            XCTFail("a wrong password must fail")
        } catch let error as ProctorError {
            XCTAssertEqual(error.code, .unavailable)
            XCTAssertEqual(error.message, "cannot open the PostgreSQL database postgres://proctor@127.0.0.1:\(Self.cluster!.port)/\(database!): password authentication failed for user \"proctor\" (SQLSTATE 28P01)")
            XCTAssertFalse(error.message.contains("not-the-password"))
        }
    }

    /// The default `tls = "prefer"` against a server without TLS (this cluster) connects in plain.
    func testTheDefaultTLSPreferenceConnectsWithoutTLS() async throws {
        var settings = try settings()
        settings.tls = .prefer
        let store = try await PostgresStore.open(settings, password: Self.cluster!.password, logger: Logger(label: "test"))
        try await store.ping()
        try await store.close()
    }
}
