import Foundation
import NginxTestServer
import XCTest

/// `proctor submit` against a real nginx WebDAV server: the exit codes and one-line messages a
/// student sees for a good upload, a refusal (403) and a size limit (413).
final class SubmitHTTPTests: XCTestCase {
    private var nginx: NginxServer!
    private var bundle: URL!

    override func setUpWithError() throws {
        nginx = try NginxServer()
        bundle = nginx.prefix.appendingPathComponent("student.proctor")
        let random = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/urandom"))
        defer { try? random.close() }
        try XCTUnwrap(try random.read(upToCount: 3 << 20)).write(to: bundle)
    }

    override func tearDown() {
        nginx = nil
    }

    func testUploadSucceedsAndPrintsTheReceipt() throws {
        let run = try ProctorBinary.run(["submit", "--bundle", bundle.path, "--to", nginx.url("dav/").absoluteString, "--segment-kib", "1024"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("(3 segments)"), run.stdout)
        XCTAssertTrue(run.stderr.contains("Sent 100% (3145728 of 3145728 bytes)"), "plain progress lines when not a terminal: \(run.stderr)")
        let collect = try ProctorBinary.run(["submit", "collect", nginx.file("dav").path])
        XCTAssertEqual(collect.status, 0, collect.stderr)
        XCTAssertEqual(try Data(contentsOf: nginx.file("dav/student.proctor")), try Data(contentsOf: bundle))
    }

    func testForbiddenExits77WithOneLine() throws {
        let run = try ProctorBinary.run(["submit", "--bundle", bundle.path, "--to", nginx.url("forbidden/").absoluteString])
        XCTAssertEqual(run.status, 77)
        let errors = run.stderr.split(separator: "\n").filter { $0.hasPrefix("proctor: ") }
        XCTAssertEqual(errors.count, 1, run.stderr)
        XCTAssertTrue(errors.first?.contains("refused to accept the bundle (HTTP 403)") ?? false, run.stderr)
        XCTAssertTrue(errors.first?.contains("your bundle is kept at \(bundle.path)") ?? false, run.stderr)
    }

    func testTooLargeExits74WithOneLine() throws {
        let run = try ProctorBinary.run(["submit", "--bundle", bundle.path, "--to", nginx.url("small/").absoluteString])
        XCTAssertEqual(run.status, 74)
        let errors = run.stderr.split(separator: "\n").filter { $0.hasPrefix("proctor: ") }
        XCTAssertEqual(errors.count, 1, run.stderr)
        XCTAssertTrue(errors.first?.contains("HTTP 413 Payload Too Large") ?? false, run.stderr)
    }
}
