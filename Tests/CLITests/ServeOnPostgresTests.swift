import Foundation
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
}
