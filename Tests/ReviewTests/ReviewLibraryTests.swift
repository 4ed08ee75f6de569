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
        cold.waitUntilChecked()
        XCTAssertEqual(memo.bundlesHashed, 2, "no cache: every bundle verified (and hashed in that pass) in the background")
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
        library().waitUntilChecked()
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
            let library = ReviewLibrary(bundles: [a, b, c], identity: identity, examFolders: [], trust: trust, spoolInside: dir,
                                        cache: cache, memo: memo)
            library.waitUntilChecked()
            return (library, memo)
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

    /// A cold start lists every bundle from a first look (timeline read, media skipped), which
    /// never claims "verified": a bundle whose media record was altered reads "not yet checked"
    /// like an intact one, one whose timeline record was altered "failed". The background check
    /// then verifies each in full: the intact one becomes "verified" with the same duration and
    /// score as its first look, the altered media "failed".
    func testFirstLookIsNotYetCheckedUntilTheBackgroundCheckVerifies() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-review-first-look-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let identity = try InstructorIdentity.generate(name: "prof")
        let intact = try ReviewFixtures.bundle("a", student: "s1", flags: [(7.05, 12, "face.missing")], in: dir, for: identity)
        let media = try ReviewFixtures.bundle("m", student: "s2", flags: [(3, 9, "gaze.away")], in: dir, for: identity)
        let timeline = try ReviewFixtures.bundle("t", student: "s3", flags: [(3, 9, "gaze.away")], in: dir, for: identity)
        try Self.flipByte(in: media, ofRecord: .media, number: 5)
        try Self.flipByte(in: timeline, ofRecord: .timeline, number: 0)
        var trust = ExamTrust()
        trust.trustOwn(identity.recipientKey)
        let key = BundleKey(identity)

        let first = try [intact, media, timeline].map {
            try ReviewSummary.firstLook($0, key: key, examFolders: [], trust: trust, spoolInside: dir)
        }
        XCTAssertEqual(first.map(\.integrity), ["not yet checked", "not yet checked", "failed"])
        XCTAssertEqual(first.map(\.isChecked), [false, false, false], "nothing hashed: no SHA-256 to cache it under")
        XCTAssertEqual(first[0].duration, 20, accuracy: 0.001, "the part's end from its last media record's sealed mediaEnd")
        XCTAssertEqual(first[0].flaggedMinutes["face.missing"] ?? 0, 4.95 / 60, accuracy: 1e-9)

        let cache = ReviewSummaryCache(directory: dir.appendingPathComponent("cache"))
        let library = ReviewLibrary(bundles: [intact, media, timeline], identity: identity, examFolders: [], trust: trust,
                                    spoolInside: dir, cache: cache, memo: BundleHashMemo(directory: nil))
        library.waitUntilChecked()
        XCTAssertEqual(library.uncheckedCount, 0)
        let rows = Dictionary(uniqueKeysWithValues: library.summaries(weights: nil).map { ($0.student, $0) })
        XCTAssertEqual(rows["s1"]?.integrity, "verified")
        XCTAssertEqual(rows["s2"]?.integrity, "failed", "the altered media record found by the full check")
        XCTAssertEqual(rows["s3"]?.integrity, "failed")
        XCTAssertEqual(rows["s1"]?.durationSeconds, first[0].duration)
        XCTAssertEqual(rows["s1"]?.examScore, first[0].examScore)
        XCTAssertNotNil(cache.load(sha256: try ReviewFile.sha256(ofFile: intact)), "the verified summary cached")
    }

    /// Flips one byte inside the sealed payload of the `number`th record of `type`.
    static func flipByte(in url: URL, ofRecord type: RecordType, number: Int) throws {
        let reader = try BundleReader(contentsOf: url)
        var seen = 0, target: BundleRecord?
        while let record = try reader.next() {
            guard record.type == type else { continue }
            if seen == number { target = record; break }
            seen += 1
        }
        let record = try XCTUnwrap(target)
        var bytes = try [UInt8](Data(contentsOf: url))
        bytes[record.offset + BundleFormat.frameHeaderByteCount + record.sealedLength / 2] ^= 0x40
        try Data(bytes).write(to: url)
    }
}
