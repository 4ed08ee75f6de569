import Foundation
import XCTest
@testable import ProctorModel
@testable import Report
@testable import Seal

/// The signed review file (`NAME.proctor.review.json`, docs/review.md): written with a real
/// instructor key, checked on read (an edit, a foreign signer, another bundle), and applied by
/// `proctor export` to a real sealed bundle's PDF.
final class ReviewFileTests: XCTestCase {
    private func document(_ identity: InstructorIdentity, sha256: String = String(repeating: "ab", count: 32),
                          sessionId: String = "session-1") -> ReviewDocument {
        ReviewDocument(
            bundle: .init(sessionId: sessionId, studentId: "s1", examId: "chem101", sha256: sha256),
            reviewer: .init(name: identity.name, key: identity.recipientKey.line),
            reviewedAt: Date(timeIntervalSince1970: 1_795_003_000.7),
            attempt: .init(reviewed: true, note: "Spoke with the student / all fine."),
            weights: ReviewWeights(preset: .strict, kinds: ["face.missing": 1.5]),
            flags: [.init(kind: "face.missing", start: 7.05, disposition: .dismiss, note: "Picked up a pencil."),
                    .init(kind: "audio.speech", start: 21, disposition: .followUp, note: "Ask who spoke.")])
    }

    private func trusting(_ identity: InstructorIdentity) -> ExamTrust {
        var trust = ExamTrust()
        trust.trustOwn(identity.recipientKey)
        return trust
    }

    func testCanonicalBytesAreSortedCompactJSONAfterTheDomainLine() throws {
        let identity = try InstructorIdentity.generate(name: "prof")
        let bytes = document(identity).canonicalBytes
        let text = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("proctor-review-v1\n{\"attempt\":{\"note\":\"Spoke with the student / all fine.\",\"reviewed\":true},\"bundle\":{"), text)
        XCTAssertTrue(text.contains("\"reviewedAt\":\"2026-11-18T"), "whole seconds, UTC: \(text)")
        XCTAssertTrue(text.contains("\"weights\":{\"kinds\":{\"face.missing\":\"1.5\"},\"preset\":\"strict\"}"), text)
        XCTAssertTrue(text.contains("{\"disposition\":\"follow-up\",\"kind\":\"audio.speech\",\"note\":\"Ask who spoke.\",\"startMilliseconds\":21000}"), text)
        XCTAssertEqual(text.filter { $0 == "\n" }.count, 1, "the domain line, then one line of JSON")
        // Decoding and encoding again gives the same bytes: what a verifier recomputes.
        let again = try JSONDecoder().decode(ReviewDocument.self, from: Data(bytes.dropFirst(18)))
        XCTAssertEqual(again.canonicalBytes, bytes)
    }

    func testSignedFileVerifiesAndEveryEditReadsAsTampered() throws {
        let dir = try ExportFixtures.temporaryDirectory(for: self)
        let identity = try InstructorIdentity.generate(name: "prof")
        let url = dir.appendingPathComponent("s1.proctor.review.json")
        try ReviewFile.write(document(identity), signedBy: identity, to: url)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int, 0o600)
        let sha = String(repeating: "ab", count: 32)
        let checked = try XCTUnwrap(ReviewFile.read(url, bundleSHA256: sha, sessionId: "session-1", trust: trusting(identity)))
        XCTAssertEqual(checked.status, .valid, checked.line)
        XCTAssertEqual(checked.document, document(identity))
        XCTAssertTrue(checked.line.hasPrefix("Reviewed by prof (\(identity.recipientKey.fingerprint), your key (prof)) at 2026-11-18T"), checked.line)

        let original = try String(contentsOf: url, encoding: .utf8)
        let edits: [(String, String)] = [
            ("\"dismiss\"", "\"confirm\""),                       // a disposition
            ("Picked up a pencil.", "Picked up a phone."),        // a note
            ("\"reviewed\" : true", "\"reviewed\" : false"),      // the attempt mark
            ("\"1.5\"", "\"0\""),                                  // a weight
            ("\"preset\" : \"strict\"", "\"preset\" : \"strict\", \"extra\" : 1"),  // a field nobody signed
        ]
        for (from, to) in edits {
            XCTAssertTrue(original.contains(from), from)
            try original.replacingOccurrences(of: from, with: to).write(to: url, atomically: true, encoding: .utf8)
            let edited = try XCTUnwrap(ReviewFile.read(url, bundleSHA256: sha, sessionId: "session-1", trust: trusting(identity)))
            XCTAssertEqual(edited.status, .tampered, "\(from) -> \(to)")
            XCTAssertTrue(edited.line.hasPrefix("REVIEW FILE TAMPERED:"), edited.line)
        }
        try Data("not json".utf8).write(to: url)
        XCTAssertEqual(ReviewFile.read(url, bundleSHA256: sha, sessionId: "session-1", trust: trusting(identity))?.status, .tampered)
        // Whitespace and key order are not content: the file re-indented still verifies.
        let compact = try JSONSerialization.data(withJSONObject: JSONSerialization.jsonObject(with: Data(original.utf8)))
        try compact.write(to: url)
        XCTAssertEqual(ReviewFile.read(url, bundleSHA256: sha, sessionId: "session-1", trust: trusting(identity))?.status, .valid)
        XCTAssertNil(ReviewFile.read(dir.appendingPathComponent("none.review.json"), bundleSHA256: sha, sessionId: "s", trust: trusting(identity)))
    }

    func testForeignSignerAndOtherBundleAreNotApplied() throws {
        let dir = try ExportFixtures.temporaryDirectory(for: self)
        let prof = try InstructorIdentity.generate(name: "prof"), mallory = try InstructorIdentity.generate(name: "mallory")
        let url = dir.appendingPathComponent("r.review.json")
        // A review re-signed by another key, even one naming itself "prof", is not prof's.
        try ReviewFile.write(document(mallory), signedBy: mallory, to: url)
        let foreign = try XCTUnwrap(ReviewFile.read(url, bundleSHA256: String(repeating: "ab", count: 32), sessionId: "session-1", trust: trusting(prof)))
        XCTAssertEqual(foreign.status, .untrustedSigner)
        XCTAssertTrue(foreign.line.contains("mallory (\(mallory.recipientKey.fingerprint))"), foreign.line)
        XCTAssertThrowsError(try ReviewFile.write(document(prof), signedBy: mallory, to: url)) {
            XCTAssertEqual(($0 as? ProctorError)?.code, .usage)
        }
        try ReviewFile.write(document(prof), signedBy: prof, to: url)
        XCTAssertEqual(ReviewFile.read(url, bundleSHA256: String(repeating: "cd", count: 32), sessionId: "session-1", trust: trusting(prof))?.status, .otherBundle)
        XCTAssertEqual(ReviewFile.read(url, bundleSHA256: String(repeating: "ab", count: 32), sessionId: "session-2", trust: trusting(prof))?.status, .otherBundle)
    }

    func testWeightsScaleTheExamWeightsAndSetKindsOutright() {
        var exam = DetectionSettings()
        exam.behaviours["face.missing"] = DetectorConfig(weight: 2)
        let strict = ReviewWeights(preset: .strict, kinds: ["audio.speech": 0.25]).apply(to: exam, kinds: ["face.missing", "face.multiple"])
        XCTAssertEqual(strict.behaviours["face.missing"]?.weight, 4)
        XCTAssertEqual(strict.behaviours["face.multiple"]?.weight, 2)
        XCTAssertEqual(strict.behaviours["audio.speech"]?.weight, 0.25)
        XCTAssertEqual(ReviewWeights(preset: .lenient).apply(to: exam, kinds: []).behaviours["face.missing"]?.weight, 1)
        XCTAssertEqual(ReviewWeights(preset: .strict, kinds: ["face.missing": 3]).line, "strict (exam weights × 2); face.missing 3")
        XCTAssertTrue(ReviewWeights().isExamDefault)
    }

    // MARK: proctor export with a review

    /// A finished bundle with two flags and no media (the PDF needs none), sealed for `identity`.
    private func sealedBundle(in dir: URL, identity: InstructorIdentity) throws -> (url: URL, sessionId: String) {
        let url = dir.appendingPathComponent("s1-chem101.proctor")
        let header = BundleHeader(examId: "chem101", examFileSHA256: SHA256.hash(Array("no exam file".utf8)), studentId: "s1",
                                  sessionId: UUID().uuidString, startTime: Date(timeIntervalSince1970: 1_795_000_000),
                                  recipients: [BundleRecipient(identity.recipientKey)], cipher: .aes256GCM)
        let writer = try BundleWriter(creating: url, header: header)
        for event in Self.events { try writer.append(.timeline, RecordingRecords.timeline(event)) }
        _ = try writer.finish(mediaDuration: 60)
        return (url, header.sessionId)
    }

    static let events = [
        TimelineEvent(kind: "face.missing", detector: "faces", severity: .flag, start: 7.05, end: 12, measured: ["seconds": 4.95],
                      thresholds: ["seconds": 3], message: "No face for 5 s."),
        TimelineEvent(kind: "audio.speech", detector: "audio", severity: .flag, start: 21, end: 24.5, message: "Speech for 3.5 s."),
        TimelineEvent(kind: "session.end", detector: "session", severity: .info, start: 60, message: "Ended."),
    ]

    private func exportedText(_ bundle: URL, identity: InstructorIdentity, in dir: URL) async throws -> String {
        let out = dir.appendingPathComponent("out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        var options = ExportOptions(pdf: true, outputDirectory: out)
        options.trust.trustOwn(identity.recipientKey)
        let result = await Exporter.run([bundle], key: BundleKey(identity), options: options)
        XCTAssertNil(result.bundles.first?.error)
        let text = try Tool.pdfText(out.appendingPathComponent("s1-chem101.pdf").path)
        return text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    func testExportShowsTheReviewDismissedFlagsAndBothScores() async throws {
        let dir = try ExportFixtures.temporaryDirectory(for: self)
        let identity = try InstructorIdentity.generate(name: "prof")
        let bundle = try sealedBundle(in: dir, identity: identity)
        let before = try await exportedText(bundle.url, identity: identity, in: dir)
        XCTAssertFalse(before.contains("Instructor review"), "no review file, no review section")

        let sha = try ReviewFile.sha256(ofFile: bundle.url)
        XCTAssertEqual(sha, try Tool.run("sha256sum", [bundle.url.path]).split(separator: " ").first.map(String.init))
        try ReviewFile.write(document(identity, sha256: sha, sessionId: bundle.sessionId), signedBy: identity,
                             to: ReviewFile.url(forBundle: bundle.url))
        XCTAssertEqual(ReviewFile.url(forBundle: bundle.url).lastPathComponent, "s1-chem101.proctor.review.json")
        let text = try await exportedText(bundle.url, identity: identity, in: dir)

        // The expected scores, from the detectors' own formula: every flag under the exam's
        // default weights, then without the dismissed face.missing under strict weights.
        let original = SessionSummary.compute(events: Self.events, duration: 60, settings: DetectionSettings()).score
        var strict = DetectionSettings()
        strict.behaviours = ["face.missing": DetectorConfig(weight: 1.5), "audio.speech": DetectorConfig(weight: 2)]
        let reviewed = SessionSummary.compute(events: Array(Self.events.dropFirst()), duration: 60, settings: strict).score
        XCTAssertNotEqual(String(format: "%.0f", original), String(format: "%.0f", reviewed))
        XCTAssertTrue(text.contains(String(format: "Suspicion score: %.0f / 100", original)), "the original score stays: \(text)")
        XCTAssertTrue(text.contains(String(format: "Score after review: %.0f / 100 (original score %.0f / 100), 1 dismissed flag(s) left out", reviewed, original)), text)
        XCTAssertTrue(text.contains("Reviewed by prof (\(identity.recipientKey.fingerprint), your key (prof)) at 2026-11-18T"), text)
        XCTAssertTrue(text.contains("confirmed 0, dismissed 1, follow-up 1, undecided 0"), text)
        XCTAssertTrue(text.contains("Reviewer's note: Spoke with the student / all fine."), text)
        XCTAssertTrue(text.contains("Review: DISMISSED by prof (left out of the score after review): Picked up a pencil."), text)
        XCTAssertTrue(text.contains("Review: FOLLOW-UP by prof: Ask who spoke."), text)

        // Edited after signing: stated on page 1, nothing applied.
        let file = ReviewFile.url(forBundle: bundle.url)
        let edited = try String(contentsOf: file, encoding: .utf8).replacingOccurrences(of: "\"dismiss\"", with: "\"confirm\"")
        try edited.write(to: file, atomically: true, encoding: .utf8)
        let tampered = try await exportedText(bundle.url, identity: identity, in: dir)
        XCTAssertTrue(tampered.contains("REVIEW FILE TAMPERED: the signature of prof (\(identity.recipientKey.fingerprint)) does not match its content; its decisions were not used"), tampered)
        XCTAssertFalse(tampered.contains("Score after review"))
        XCTAssertFalse(tampered.contains("Review: CONFIRMED"))
    }
}
