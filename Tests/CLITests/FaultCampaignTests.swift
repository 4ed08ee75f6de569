import Foundation
import XCTest

/// The short versions of the fault campaigns (`make faults` runs them long): each drives the
/// built `proctor` through the campaign script and checks the script's summary line, so a
/// campaign outside its bounds fails here with the script's own account of what went wrong.
final class FaultCampaignTests: XCTestCase {
    /// SIGKILL during recording, three times: verify, at most 1.5 s of media lost, resume, export.
    func testKillNineDuringRecordingLosesAtMostASecondAndAHalf() throws {
        let (run, summary) = try Campaign.script("kill9", ["3"], environment: ["FAULT_KILL_MAX": "4", "FAULT_RESUME": "1"])
        let fields = Campaign.fields(summary)
        XCTAssertEqual(run.status, 0, "\(summary)\n\(run.stderr)")
        XCTAssertEqual(fields["trials"], "3", summary)
        for key in ["verified", "resumed", "exported"] { XCTAssertEqual(fields[key], "3", "\(key): \(summary)\n\(run.stderr)") }
        XCTAssertEqual(fields["over_1.5s"], "0", summary)
        let lostMax = try XCTUnwrap(fields["lost_max"].flatMap { Double($0.dropLast()) }, summary)
        XCTAssertLessThanOrEqual(lostMax, 1.5, summary)
    }

    /// Two hundred single-byte flips across two real bundles: every one detected and located.
    func testEveryByteFlipIsDetectedAndLocated() throws {
        let (run, summary) = try Campaign.script("bitflip", ["200"])
        let fields = Campaign.fields(summary)
        XCTAssertEqual(run.status, 0, "\(summary)\n\(run.stderr)")
        XCTAssertEqual(fields["trials"], "200", summary)
        XCTAssertEqual(fields["detected"], "200", "\(summary)\n\(run.stderr)")
        XCTAssertEqual(fields["located"], "200", "\(summary)\n\(run.stderr)")
    }

    /// A small file system fills up under a recording: a clean end, a valid bundle, nothing lost.
    func testFullDiskEndsCleanlyWithAValidBundle() throws {
        let (run, summary) = try Campaign.script("diskfull", [], environment: ["FAULT_DISK_MB": "2", "FAULT_DISK_DURATION": "60"])
        let fields = Campaign.fields(summary)
        XCTAssertEqual(run.status, 0, "\(summary)\n\(run.stderr)")
        let trials = try XCTUnwrap(fields["trials"], summary)
        XCTAssertEqual(trials, fields["mode"] == "tmpfs" ? "2" : "1", summary)
        for key in ["clean", "verified", "exported"] { XCTAssertEqual(fields[key], trials, "\(key): \(summary)\n\(run.stderr)") }
        XCTAssertEqual(fields["lost"], "0", summary)
    }
}
