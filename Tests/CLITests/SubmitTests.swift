import Foundation
import XCTest

/// `proctor submit` as a student runs it: exit codes, the printed receipt, the stored receipt.
/// HTTP behaviour is tested against nginx in SessionTests/DeliveryWebTests.
final class SubmitTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-submit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("share"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("sessions"), withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: folder)
    }

    private func writeBundle(_ relativePath: String, size: Int) throws -> URL {
        let url = folder.appendingPathComponent(relativePath)
        try Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7919 >> 3) }).write(to: url)
        return url
    }

    func testDeliversTheNewestSessionBundleToAFolder() throws {
        let older = try writeBundle("sessions/older.proctor", size: 1000)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: older.path)
        let newest = try writeBundle("sessions/newest.proctor", size: 300_000)
        let share = folder.appendingPathComponent("share")

        let run = try ProctorBinary.run(["submit", "--to", share.path, "--json"],
                                        environment: ["PROCTOR_DATA_DIR": folder.appendingPathComponent("sessions").path])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try Data(contentsOf: share.appendingPathComponent("newest.proctor")), try Data(contentsOf: newest))
        XCTAssertFalse(FileManager.default.fileExists(atPath: share.appendingPathComponent("older.proctor").path))
        let printed = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(printed["size"] as? Int, 300_000)
        XCTAssertEqual(printed["verification"] as? String, "sha256")
        let stored = try Data(contentsOf: folder.appendingPathComponent("sessions/newest.proctor.receipt.json"))
        XCTAssertEqual(Data(run.stdout.utf8).count, stored.count + 1, "the printed receipt is the stored one")
    }

    func testMissingBundleExits66() throws {
        let run = try ProctorBinary.run(["submit", "--bundle", folder.appendingPathComponent("nope.proctor").path,
                                         "--to", folder.appendingPathComponent("share").path])
        XCTAssertEqual(run.status, 66)
        XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, "one clear line: \(run.stderr)")
        XCTAssertTrue(run.stderr.contains("no bundle at"))
    }

    func testNoDestinationIsAUsageError() throws {
        let bundle = try writeBundle("sessions/a.proctor", size: 10)
        let run = try ProctorBinary.run(["submit", "--bundle", bundle.path])
        XCTAssertEqual(run.status, 64)
        XCTAssertTrue(run.stderr.contains("--to"), run.stderr)
    }

    func testUnreachableServerExits69AndKeepsTheBundle() throws {
        let bundle = try writeBundle("sessions/a.proctor", size: 50_000)
        // Port 9 (discard) on loopback: nothing listens there in a test machine.
        let run = try ProctorBinary.run(["submit", "--bundle", bundle.path, "--to", "http://127.0.0.1:9/dav/", "--attempts", "2", "--retry-delay", "0.05"])
        XCTAssertEqual(run.status, 69, run.stderr)
        XCTAssertTrue(run.stderr.contains("proctor: cannot reach http://127.0.0.1:9/dav/"), run.stderr)
        XCTAssertTrue(run.stderr.contains("retry 1 of 1"), "the retry is shown: \(run.stderr)")
        XCTAssertEqual(try Data(contentsOf: bundle).count, 50_000)
        XCTAssertFalse(FileManager.default.fileExists(atPath: bundle.path + ".receipt.json"))
    }

    func testCollectWithNothingFinishedSaysSo() throws {
        let run = try ProctorBinary.run(["submit", "collect", folder.appendingPathComponent("share").path])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("No finished segmented uploads"))
    }
}
