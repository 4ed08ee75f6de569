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

    /// A redirect is not followed: 69, one line naming where the server pointed.
    func testRedirectExits69NamingTheTarget() throws {
        let run = try ProctorBinary.run(["submit", "--bundle", bundle.path, "--to", nginx.url("moved/student.proctor").absoluteString, "--attempts", "1"],
                                        environment: ["PROCTOR_SUBMIT_CREDENTIALS": "student:s3cret"])
        XCTAssertEqual(run.status, 69, run.stderr)
        let errors = run.stderr.split(separator: "\n").filter { $0.hasPrefix("proctor: ") }
        XCTAssertEqual(errors, ["proctor: \(nginx.url("moved/student.proctor").absoluteString) answered HTTP 307, a redirect to http://localhost:\(nginx.port)/dav/student.proctor, which uploads never follow: ask your instructor for the final submission address; your bundle is kept at \(bundle.path)"])
        XCTAssertFalse(run.stderr.contains("s3cret") || run.stdout.contains("s3cret"))
        XCTAssertEqual(nginx.authLog().filter { $0.contains("localhost") }, [])
    }

    /// 201 to the PUT, then nothing there: 74, one line, no receipt.
    func testDiscardingServerExits74() throws {
        let run = try ProctorBinary.run(["submit", "--bundle", bundle.path, "--to", nginx.url("discard/").absoluteString])
        XCTAssertEqual(run.status, 74, run.stderr)
        let errors = run.stderr.split(separator: "\n").filter { $0.hasPrefix("proctor: ") }
        XCTAssertEqual(errors, ["proctor: \(nginx.url("discard/student.proctor").absoluteString) accepted the upload but then does not have it (HTTP 404 when read back): it stored nothing; tell your instructor; your bundle is kept at \(bundle.path)"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: bundle.path + ".receipt.json"))
    }

    /// Credentials in --to would show in `ps`: refused with the way to pass them instead; from
    /// a file they are sent, and never printed.
    func testCredentialsComeFromAFileNeverFromTheURL() throws {
        let inURL = nginx.url("dav/").absoluteString.replacingOccurrences(of: "http://", with: "http://student:s3cret@")
        let refused = try ProctorBinary.run(["submit", "--bundle", bundle.path, "--to", inURL])
        XCTAssertEqual(refused.status, 64)
        XCTAssertEqual(refused.stderr, "proctor: the upload URL \(nginx.url("dav/").absoluteString) must not carry a user name or password: pass it without them and put user:password in $PROCTOR_SUBMIT_CREDENTIALS or in a file named with --credentials-file\n")
        XCTAssertEqual(nginx.accessLog(), [])

        let file = nginx.prefix.appendingPathComponent("credentials")
        try Data("student:s3cret\n".utf8).write(to: file)
        let run = try ProctorBinary.run(["submit", "--bundle", bundle.path, "--to", nginx.url("dav/").absoluteString, "--credentials-file", file.path,
                                         "--segment-kib", "4096", "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(Set(nginx.authLog().map { $0.split(separator: " ")[3] }), ["student"])
        XCTAssertFalse(run.stdout.contains("s3cret") || run.stderr.contains("s3cret"))
        let receipt = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(receipt["verification"] as? String, "range")
    }
}
