import Foundation
import TestTools
import XCTest
@testable import Seal

/// "Finish and submit" on the student page when the delivery fails: the recording stays sealed
/// beside the exam, the page says so, and `begin` exits with the code `proctor submit` would
/// have (69: the destination folder is missing), never 0.
final class StudentPageSubmitTests: XCTestCase {
    func testAFailedDeliveryFromThePageEndsBeginWithSubmitsExitCode() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-no-inbox-\(UUID().uuidString)")
        let kit = try RecordingSessionKit(camera: false, examSettings: "submission = \"\(missing.path)\"")
        defer { kit.remove() }
        let begin = try PageSession(["begin", "--exam", kit.examURL.path, "--student", "s1", "--camera", "none", "--mic", "test",
                                     "--screen", "none", "--duration", "120", "--accept", "--no-browser"], environment: kit.environment)
        defer { begin.stop() }
        let url = try begin.pageURL()
        let port = try XCTUnwrap(url.port)
        let token = try XCTUnwrap(url.query?.split(separator: "=").last)
        let http = RawHTTP(port: port)
        let headers = ["Cookie": "proctor_token_\(port)=\(token)", "Content-Type": "application/json", "Origin": "http://127.0.0.1:\(port)"]
        func state() throws -> [String: Any] {
            let response = try http.send("GET", "/api/state", headers: headers)
            return try XCTUnwrap(try JSONSerialization.jsonObject(with: response.body) as? [String: Any])
        }
        XCTAssertTrue(waitUntil(timeout: 30) { (try? state())?["step"] as? String == "recording" }, "the recording step")
        let submit = try http.send("POST", "/api/submit", headers: headers, body: Data("{\"confirm\": true}".utf8))
        XCTAssertEqual(submit.status, 202)
        var shown: [String: Any] = [:]
        XCTAssertTrue(waitUntil(timeout: 30) {
            shown = ((try? state())?["submission"] as? [String: Any]) ?? [:]
            return shown["phase"] as? String == "failed"
        }, "the page shows the failure")
        XCTAssertTrue((shown["message"] as? String ?? "").contains("Run `proctor submit` to try again"), "\(shown)")
        XCTAssertEqual(begin.wait(), 69, begin.stderr)
        XCTAssertTrue(begin.stderr.contains("the recording is sealed but could not be delivered: "), begin.stderr)
        let bundle = try XCTUnwrap(kit.bundles.first, "the sealed bundle stays beside the exam")
        let events = try kit.read(bundle).records.filter { $0.type == .timeline }.map { try RecordingRecords.decodeTimeline(try XCTUnwrap($0.payload)) }
        XCTAssertEqual(events.last?.kind, "session.end", "sealed to its end")
        XCTAssertFalse(FileManager.default.fileExists(atPath: missing.path), "nothing was made where the exam pointed")
    }
}
