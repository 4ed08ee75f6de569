import Foundation
import XCTest
@testable import ProctorModel
@testable import Report
@testable import Review
@testable import Seal

/// The class list from cached summaries: a first start verifies every bundle and caches its
/// summary by SHA-256; the next start hashes the bundles, reads the summaries and opens an
/// attempt only when it is looked at; a changed bundle is a new SHA-256 and is verified again.
final class ReviewLibraryTests: XCTestCase {
    func testSecondStartListsFromTheCacheAndOpensAnAttemptOnlyWhenAsked() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-review-library-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let identity = try InstructorIdentity.generate(name: "prof")
        let flagged = try ReviewFixtures.bundle("a", student: "s1", flags: [(7.05, 12, "face.missing")], in: dir, for: identity)
        _ = try ReviewFixtures.bundle("b", student: "s2", flags: [], in: dir, for: identity)
        var trust = ExamTrust()
        trust.trustOwn(identity.recipientKey)
        let cache = ReviewSummaryCache(directory: dir.appendingPathComponent("cache"))
        func library() -> ReviewLibrary {
            ReviewLibrary(bundles: [flagged, dir.appendingPathComponent("b.proctor")], identity: identity, examFolders: [], trust: trust,
                          spoolInside: dir, cache: cache)
        }

        let cold = library()
        XCTAssertEqual(cold.openCount, 2, "no cache: every bundle verified")
        let sha = try ReviewFile.sha256(ofFile: flagged)
        XCTAssertEqual(cache.load(sha256: sha)?.student, "s1")
        let file = dir.appendingPathComponent("cache/\(sha).json")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int, 0o600)
        let coldRows = cold.summaries(weights: nil)

        let warm = library()
        XCTAssertEqual(warm.openCount, 0, "both summaries from the cache")
        let warmRows = warm.summaries(weights: nil)
        XCTAssertEqual(warmRows.map(\.student), ["s1", "s2"])
        XCTAssertEqual(warmRows.map(\.score), coldRows.map(\.score))
        XCTAssertGreaterThan(warmRows[0].score, 0)
        XCTAssertEqual(warm.summaries(weights: ReviewWeights(kinds: ["face.missing": 0])).map(\.score), [0, 0])
        XCTAssertEqual(try warm.detail(0).student, "s1")
        XCTAssertEqual(warm.openCount, 1, "opened when looked at")

        // A damaged cache entry is made again, not trusted.
        try Data("{}".utf8).write(to: file)
        XCTAssertNil(cache.load(sha256: sha))
        XCTAssertEqual(library().openCount, 1)
        XCTAssertEqual(cache.load(sha256: sha)?.student, "s1")
    }
}
