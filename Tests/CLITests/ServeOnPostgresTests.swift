import Foundation
import TestTools
import XCTest

/// Every `ServeTests` case again with `[metadata] store = "postgres"` on a private cluster this
/// class starts: the same statuses, and "nothing stored" read back from PostgreSQL.
///
/// XCTest's discovery on Linux lists a subclass, with all the test methods it inherits, only
/// when the subclass declares a test method of its own: the one below is that, and a real check.
final class ServeOnPostgresTests: ServeTests {
    override class var metadataOnPostgres: Bool { true }

    /// The rows are in PostgreSQL and the server made no SQLite file beside its bundles.
    func testTheMetadataIsInPostgreSQL() async throws {
        XCTAssertEqual(try publish().status, 201)
        _ = try ticket(for: "s1")
        try await assertCount("exams", 1)
        try await assertCount("roster", 2)
        try await assertCount("attempts", 1)
        let schema = try XCTUnwrap(server.postgres).cluster.query("SELECT MAX(version) FROM proctor_schema", database: server.postgres!.database)
        XCTAssertEqual(schema, "1")
        XCTAssertFalse(FileManager.default.fileExists(atPath: server.database.path), "no proctor.sqlite with store = \"postgres\"")
        XCTAssertTrue(FileManager.default.fileExists(atPath: server.bundles.path))
    }

    /// PostgreSQL going away: `/readyz` answers 503 `not_ready` (a load balancer takes the
    /// instance out), requests fail with a JSON 5xx, and when it is back the pool reconnects
    /// without a restart of `proctor serve`.
    func testReadinessFollowsTheDatabase() async throws {
        let cluster = try XCTUnwrap(Self.cluster)
        XCTAssertEqual(try server.http.send("GET", "/readyz").status, 200)
        cluster.stop()
        defer { try? cluster.start() }
        let started = Date()
        let down = try server.http.send("GET", "/readyz")
        XCTAssertEqual(down.status, 503)
        XCTAssertEqual(down.errorCode, "not_ready")
        XCTAssertLessThan(Date().timeIntervalSince(started), 15, "readiness answers within the connect timeout")
        XCTAssertEqual(try server.http.send("GET", "/healthz").status, 200, "the process itself is alive")
        try cluster.start()
        XCTAssertTrue(try waitUntil(timeout: 30, poll: 0.2) { try server.http.send("GET", "/readyz").status == 200 })
        XCTAssertEqual(try publish().status, 201)
    }
}
