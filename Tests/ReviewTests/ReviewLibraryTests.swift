import Foundation
import XCTest
@testable import ProctorModel
@testable import Report
@testable import Review
@testable import Seal

/// The class list from cached summaries: a first start verifies every bundle and caches its
/// summary by SHA-256; the next start finds each SHA-256 in the memo by the file's identity,
/// reads the summaries and opens an attempt only when it is looked at; a changed bundle is
/// read again.
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
        let memo = BundleHashMemo(directory: nil)
        func library() -> ReviewLibrary {
            ReviewLibrary(bundles: [flagged, dir.appendingPathComponent("b.proctor")], identity: identity, examFolders: [], trust: trust,
                          spoolInside: dir, cache: cache, memo: memo)
        }

        let cold = library()
        XCTAssertEqual(memo.bundlesHashed, 2, "no cache: every bundle verified (and hashed in that pass)")
        XCTAssertEqual(cold.openCount, 0, "only the summaries are kept")
        let sha = try ReviewFile.sha256(ofFile: flagged)
        XCTAssertEqual(cache.load(sha256: sha)?.student, "s1")
        let file = dir.appendingPathComponent("cache/\(sha).json")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int, 0o600)
        let coldRows = cold.summaries(weights: nil)

        let warm = library()
        XCTAssertEqual(memo.bundlesHashed, 2, "both summaries from the cache, no bundle read")
        let warmRows = warm.summaries(weights: nil)
        XCTAssertEqual(warmRows.map(\.student), ["s1", "s2"])
        XCTAssertEqual(warmRows.map(\.score), coldRows.map(\.score))
        XCTAssertGreaterThan(warmRows[0].score, 0)
        XCTAssertEqual(warm.summaries(weights: ReviewWeights(kinds: ["face.missing": 0])).map(\.score), [0, 0])
        XCTAssertEqual(try warm.detail(0).student, "s1")
        XCTAssertEqual(warm.openCount, 1, "opened when looked at")
        XCTAssertEqual(memo.bundlesHashed, 3, "and read in full then")

        // A damaged cache entry is made again, not trusted.
        try Data("{}".utf8).write(to: file)
        XCTAssertNil(cache.load(sha256: sha))
        _ = library()
        XCTAssertEqual(memo.bundlesHashed, 4, "the bundle with the damaged entry verified again")
        XCTAssertEqual(cache.load(sha256: sha)?.student, "s1")
    }

    /// A warm start reads no bundle whose identity is unchanged: the memo gives its SHA-256 and
    /// the cache its summary. A touched bundle is hashed again (same bytes, same summary), a
    /// rewritten one is verified again and listed with its new content, and opening an attempt
    /// reads it in full, so a review is bound to the SHA-256 of the bytes actually verified.
    func testWarmStartHashesOnlyTheBundlesWhoseFileChanged() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-review-memo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let identity = try InstructorIdentity.generate(name: "prof")
        let a = try ReviewFixtures.bundle("a", student: "s1", flags: [(7.05, 12, "face.missing")], in: dir, for: identity)
        let b = try ReviewFixtures.bundle("b", student: "s2", flags: [(3, 4, "gaze.away")], in: dir, for: identity)
        let c = try ReviewFixtures.bundle("c", student: "s3", flags: [], in: dir, for: identity)
        var trust = ExamTrust()
        trust.trustOwn(identity.recipientKey)
        let cache = ReviewSummaryCache(directory: dir.appendingPathComponent("cache"))
        func start() -> (ReviewLibrary, BundleHashMemo) {
            let memo = BundleHashMemo(directory: cache.directory)
            return (ReviewLibrary(bundles: [a, b, c], identity: identity, examFolders: [], trust: trust, spoolInside: dir,
                                  cache: cache, memo: memo), memo)
        }
        func rows(_ library: ReviewLibrary) -> [String] {
            library.summaries(weights: nil).map { row in
                let minutes = row.flaggedMinutes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                return "\(row.student) \(row.score) \(row.examScore) \(row.zScore ?? .nan) \(minutes) \(row.integrity) \(row.coverage) \(row.reviewStatus)"
            }
        }

        let (cold, coldMemo) = start()
        XCTAssertEqual(coldMemo.bundlesHashed, 3, "no memo: every bundle read in full, once (hashed in the verifying pass)")
        XCTAssertEqual(cold.openCount, 0, "summaries kept, attempts let go")
        let coldRows = rows(cold)
        let memoFile = dir.appendingPathComponent("cache/bundle-sha256.json")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: memoFile.path)[.posixPermissions] as? Int, 0o600)

        let (warm, warmMemo) = start()
        XCTAssertEqual(warmMemo.bundlesHashed, 0, "no bundle read on a warm start")
        XCTAssertEqual(warm.openCount, 0)
        XCTAssertEqual(rows(warm), coldRows, "summaries equal cold and warm")

        // Touched (same bytes, new mtime): hashed again, found in the cache by its unchanged SHA-256.
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(60)], ofItemAtPath: b.path)
        let (touched, touchedMemo) = start()
        XCTAssertEqual(touchedMemo.bundlesHashed, 1, "only the touched bundle is read")
        XCTAssertEqual(rows(touched), coldRows)

        // Rewritten with other content: read, verified and listed as what it now holds.
        try FileManager.default.removeItem(at: c)
        _ = try ReviewFixtures.bundle("c", student: "s4", flags: [(1, 15, "face.missing")], in: dir, for: identity)
        let (rewritten, rewrittenMemo) = start()
        XCTAssertEqual(rewrittenMemo.bundlesHashed, 1)
        XCTAssertEqual(Set(rewritten.summaries(weights: nil).map(\.student)), ["s1", "s2", "s4"])

        // Opening an attempt listed through the memo reads it in full and binds it to the real SHA-256.
        let (again, againMemo) = start()
        XCTAssertEqual(againMemo.bundlesHashed, 0)
        let index = try XCTUnwrap(again.summaries(weights: nil).firstIndex { $0.student == "s1" })
        let id = again.summaries(weights: nil)[index].id
        XCTAssertEqual(try again.detail(id).student, "s1")
        XCTAssertEqual(againMemo.bundlesHashed, 1, "opened for viewing: read and hashed for real")
    }
}
