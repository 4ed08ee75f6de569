import XCTest

final class HelpTests: XCTestCase {
    func testHelpListsEverySubcommand() throws {
        let run = try ProctorBinary.run(["--help"])
        XCTAssertEqual(run.status, 0)
        for name in ["keygen", "exam", "precheck", "begin", "submit", "verify", "export", "purge"] {
            XCTAssertTrue(run.stdout.contains("  \(name)"), "help does not list \(name):\n\(run.stdout)")
        }
    }

    func testUnknownOptionIsUsageError() throws {
        let run = try ProctorBinary.run(["precheck", "--no-such-flag"])
        XCTAssertEqual(run.status, 64)
    }
}
