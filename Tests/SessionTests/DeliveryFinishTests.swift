import Foundation
@testable import Session
import XCTest
@testable import Delivery
@testable import Seal

/// `submit` after a crash: the recorder died mid-session, leaving a bundle without its final
/// record and a state file saying "recording". Submit must seal it first, then deliver it.
final class DeliveryFinishTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = BundleTestKit.temporaryDirectory()
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: folder)
    }

    /// A pid that certainly belonged to a process that has exited.
    private func deadPid() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    private func crashedSession() throws -> URL {
        let bundle = folder.appendingPathComponent("s1234567-MATH101-final-20261121T230000.proctor")
        let writer = try BundleWriter(creating: bundle, header: BundleTestKit.header())
        for (type, payload) in BundleTestKit.records { try writer.append(type, payload) }
        try writer.sync()
        let state = SessionState(bundlePath: bundle.path, pid: try deadPid(), phase: .recording, examId: "MATH101-final",
                                 examFilePath: "/nonexistent/MATH101-final.exam", studentId: "s1234567",
                                 startedAt: Date(timeIntervalSince1970: 1_790_000_000), mediaTime: 2.0, timeLimit: 3600, duration: nil)
        try state.save()
        return bundle
    }

    func testCrashedSessionIsSealedBeforeDelivery() async throws {
        let bundle = try crashedSession()
        XCTAssertFalse(BundleReader.verify(contentsOf: bundle).isFinished, "the crash left no final record")

        let found = try await BundleLocator.finishedBundle(nil, environment: ["PROCTOR_DATA_DIR": folder.path])
        XCTAssertEqual(found.path, bundle.path)
        let verification = BundleReader.verify(contentsOf: bundle)
        XCTAssertNil(verification.failure)
        XCTAssertTrue(verification.isFinished, "sealed with a final record and a valid signature")
        XCTAssertEqual(verification.abruptEnds.map(\.part), [0], "the crashed part stays marked as cut off")
        XCTAssertEqual(try SessionState.load(from: SessionState.url(forBundle: bundle)).phase, .finished)

        let share = folder.appendingPathComponent("share")
        try FileManager.default.createDirectory(at: share, withIntermediateDirectories: true)
        let receipt = try await BundleDelivery.deliver(bundle: found, to: .directory(share))
        XCTAssertEqual(try Data(contentsOf: share.appendingPathComponent(bundle.lastPathComponent)), try Data(contentsOf: bundle))
        XCTAssertEqual(receipt.size, Int64(verification.fileSize))
    }

    func testNamedBundleWithCrashedStateIsSealedToo() async throws {
        let bundle = try crashedSession()
        let found = try await BundleLocator.finishedBundle(bundle)
        XCTAssertEqual(found.path, bundle.path)
        XCTAssertTrue(BundleReader.verify(contentsOf: bundle).isFinished)
    }

    /// A bundle copied from elsewhere has no state file and is sent untouched.
    func testBundleWithoutStateIsSentAsItIs() async throws {
        let copy = folder.appendingPathComponent("copied.proctor")
        try Data(BundleTestKit.smallBundle(finish: false)).write(to: copy)
        let before = try Data(contentsOf: copy)
        let found = try await BundleLocator.finishedBundle(copy)
        XCTAssertEqual(found, copy)
        XCTAssertEqual(try Data(contentsOf: copy), before)
    }
}
