import Foundation
import NginxTestServer
import XCTest
@testable import Delivery
@testable import Exam
@testable import Seal

/// The whole student flow: `proctor begin` records; `proctor submit --exam` from another
/// terminal ends the recording, and delivers the sealed bundle to the exam's signed submission
/// address, a real nginx WebDAV folder.
final class SubmitLiveSessionTests: XCTestCase {
    func testSubmitEndsALiveRecordingAndDeliversItToTheExamsAddress() async throws {
        let nginx = try NginxServer()
        let kit = try RecordingSessionKit()
        defer { kit.remove() }
        var settings = try ExamFile.load(kit.examURL).settings
        settings.submission = nginx.url("dav/").absoluteString
        try Data(try ExamFile.encode(settings, signedBy: kit.identity)).write(to: kit.examURL)

        let recorder = try RunningRecorder(["begin", "--exam", kit.examURL.path, "--student", "s1", "--camera", "test", "--mic", "test",
                                            "--screen", "none", "--accept", "--json", "--duration", "60"], environment: kit.environment)
        _ = try recorder.waitForElapsed(1.5)
        let run = try ProctorBinary.run(["submit", "--exam", kit.examURL.path], environment: kit.environment)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(recorder.waitForExit(), 0, "the recorder was asked to finish and did")

        let bundle = try XCTUnwrap(kit.bundles.first)
        XCTAssertEqual(BundleReader.verify(contentsOf: bundle, key: kit.key).status, .intact)
        let delivered = nginx.file("dav/\(bundle.lastPathComponent)")
        XCTAssertEqual(try Data(contentsOf: delivered), try Data(contentsOf: bundle))
        let receipt = try DeliveryReceipt.read(from: DeliveryReceipt.url(for: bundle))
        XCTAssertEqual(receipt.destination, nginx.url("dav/").absoluteString)
        XCTAssertEqual(receipt.size, Int64(try Data(contentsOf: bundle).count))
        XCTAssertTrue(run.stdout.contains(receipt.sha256), run.stdout)
    }
}
