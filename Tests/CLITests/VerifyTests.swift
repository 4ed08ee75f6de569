import Foundation
import XCTest
import Seal

/// `proctor verify` on bundles written through the Session API, run as a user would run it.
final class VerifyTests: XCTestCase {
    private var directory: URL!
    private var bundle: URL!
    private var recordOffsets: [Int] = []

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-verify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let alice = try InstructorIdentity.generate(name: "alice")
        _ = try alice.write(to: directory, passphrase: nil)
        _ = try InstructorIdentity.generate(name: "carol").write(to: directory, passphrase: nil)
        bundle = directory.appendingPathComponent("s1-EXAM1-20261121T230000.proctor")
        let header = BundleHeader(examId: "EXAM1", examFileSHA256: [UInt8](repeating: 7, count: 32), studentId: "s1",
                                  sessionId: "session-1", startTime: Date(timeIntervalSince1970: 1_790_000_000),
                                  recipients: [BundleRecipient(alice.recipientKey)], cipher: .aes256GCM)
        let writer = try BundleWriter(creating: bundle, header: header)
        // The recorder's media layout: its header carries the media time each record ends at.
        for index in 0..<4 {
            let matroska = [UInt8](repeating: UInt8(index), count: 300)
            try writer.append(.media, matroska.withUnsafeBytes { RecordingRecords.media($0, mediaEnd: Double(index + 1)) })
        }
        try writer.finish(mediaDuration: 4)
        let reader = try BundleReader(contentsOf: bundle)
        while let record = try reader.next() { recordOffsets.append(record.offset) }
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func variant(_ name: String, _ change: (inout [UInt8]) -> Void) throws -> String {
        var bytes = Array(try Data(contentsOf: bundle))
        change(&bytes)
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    func testGoodBundleExitsZeroWithAndWithoutKey() throws {
        let keyless = try ProctorBinary.run(["verify", bundle.path])
        XCTAssertEqual(keyless.status, 0, keyless.stderr)
        XCTAssertTrue(keyless.stdout.contains("signature:  valid"), keyless.stdout)
        XCTAssertTrue(keyless.stdout.hasSuffix("ok\n"), keyless.stdout)
        XCTAssertEqual(keyless.stderr, "")
        let keyed = try ProctorBinary.run(["verify", bundle.path, "--key", directory.appendingPathComponent("alice.key").path])
        XCTAssertEqual(keyed.status, 0, keyed.stderr)
        XCTAssertTrue(keyed.stdout.contains("every record opened and authenticated with alice"), keyed.stdout)
        XCTAssertTrue(keyed.stdout.contains("media 4 (1236 bytes)"), keyed.stdout)
    }

    func testTruncatedBundleExitsZeroWithAbruptEndWarning() throws {
        // Cut in the middle of record 2: records 0 and 1 remain.
        let cut = try variant("cut.proctor") { $0.removeSubrange((recordOffsets[2] + 50)...) }
        let run = try ProctorBinary.run(["verify", cut, "--key", directory.appendingPathComponent("alice.key").path])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("proctor: warning: part 0 ended abruptly at record 2 (byte \(recordOffsets[2])) / media time 2.000 s"),
                      run.stderr)
        XCTAssertTrue(run.stdout.contains("ok, with warnings"), run.stdout)
    }

    func testTamperedBundleExits65NamingTheRecord() throws {
        let tampered = try variant("tampered.proctor") { $0[self.recordOffsets[2] + 100] ^= 0x04 }
        let keyed = try ProctorBinary.run(["verify", tampered, "--key", directory.appendingPathComponent("alice.key").path])
        XCTAssertEqual(keyed.status, 65)
        XCTAssertTrue(keyed.stderr.contains("record 2 of part 0 (byte \(recordOffsets[2])) failed authentication"), keyed.stderr)
        let keyless = try ProctorBinary.run(["verify", tampered])
        XCTAssertEqual(keyless.status, 65)
        XCTAssertTrue(keyless.stderr.contains("the final record"), keyless.stderr)
    }

    func testKeyOfAnotherInstructorExits77() throws {
        let run = try ProctorBinary.run(["verify", bundle.path, "--key", directory.appendingPathComponent("carol.key").path])
        XCTAssertEqual(run.status, 77)
        XCTAssertEqual(run.stderr, "proctor: this bundle was not sealed for this key\n")
    }

    func testJSONReportsStatusPartsAndFailure() throws {
        let good = try ProctorBinary.run(["verify", bundle.path, "--json"])
        XCTAssertEqual(good.status, 0)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(good.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(report["status"] as? String, "intact")
        XCTAssertEqual(report["studentId"] as? String, "s1")
        XCTAssertEqual(report["mediaDuration"] as? Double, 4)
        XCTAssertEqual((report["parts"] as? [[String: Any]])?.first?["records"] as? Int, 5)

        let tampered = try variant("tampered.proctor") { $0[self.recordOffsets[1] + 20] ^= 0x80 }
        let bad = try ProctorBinary.run(["verify", tampered, "--json", "--key", directory.appendingPathComponent("alice.key").path])
        XCTAssertEqual(bad.status, 65)
        let failure = try XCTUnwrap((JSONSerialization.jsonObject(with: Data(bad.stdout.utf8)) as? [String: Any])?["failure"] as? [String: Any])
        XCTAssertEqual(failure["location"] as? String, "record 1 of part 0")
        XCTAssertEqual(failure["offset"] as? Int, recordOffsets[1])
        XCTAssertEqual(failure["kind"] as? String, "tampered")
    }

    func testMissingAndNonBundleFiles() throws {
        XCTAssertEqual(try ProctorBinary.run(["verify", directory.appendingPathComponent("absent.proctor").path]).status, 66)
        let text = directory.appendingPathComponent("notes.txt")
        try Data("hello, this is not a bundle".utf8).write(to: text)
        let run = try ProctorBinary.run(["verify", text.path])
        XCTAssertEqual(run.status, 65)
        XCTAssertEqual(run.stderr, "proctor: this file is not a proctor bundle\n")
    }

    func testBenchSealIsHiddenAndPrintsJSON() throws {
        XCTAssertFalse(try ProctorBinary.run(["--help"]).stdout.contains("bench-seal"))
        let run = try ProctorBinary.run(["bench-seal", "--megabytes", "2", "--rounds", "1"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let result = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        for key in ["rawMBps", "sealMBps", "ratio"] {
            XCTAssertGreaterThan(result[key] as? Double ?? 0, 0, key)
        }
    }
}
