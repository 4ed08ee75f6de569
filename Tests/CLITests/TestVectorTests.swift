import Foundation
import XCTest

/// docs/test-vectors stays true: the shipped bundle, key file and passphrase give exactly the
/// shipped `verify --key --json` and `export --json` output with the built binary. When a change
/// to what those commands print is deliberate, `docs/test-vectors/regenerate.sh --outputs-only`
/// rewrites the expected files (and the diff shows what changed for implementers).
final class TestVectorTests: XCTestCase {
    static let vectors = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/test-vectors")

    private var directory: URL!
    private var environment: [String: String] = [:]

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-vectors-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Self.vectors, to: directory)
        // git keeps no 0600, and a readable key file would add a warning line.
        XCTAssertEqual(chmod(directory.appendingPathComponent("vector.key").path, 0o600), 0)
        let passphrase = try String(contentsOf: directory.appendingPathComponent("passphrase.txt"), encoding: .utf8)
        environment = ["PROCTOR_PASSPHRASE": String(passphrase.split(separator: "\n")[0]), "PROCTOR_EXAM_DIR": directory.path]
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func json(_ text: String) throws -> NSDictionary {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSDictionary)
    }

    func testVerifyWithTheKeyPrintsTheShippedJSON() throws {
        let run = try ProctorBinary.run(["verify", "vector.proctor", "--key", "vector.key", "--json"], environment: environment, in: directory)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stderr, "")
        let expected = try String(contentsOf: directory.appendingPathComponent("verify.json"), encoding: .utf8)
        XCTAssertEqual(try json(run.stdout), try json(expected))
        XCTAssertEqual(try json(expected)["status"] as? String, "intact")
        XCTAssertEqual(try json(expected)["fileSize"] as? Int,
                       try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("vector.proctor").path)[.size] as? Int)

        let keyless = try ProctorBinary.run(["verify", "vector.proctor", "--json"], in: directory)
        XCTAssertEqual(keyless.status, 0, keyless.stderr)
        XCTAssertEqual(try json(keyless.stdout)["status"] as? String, "intact")
    }

    func testExportPrintsTheShippedReport() throws {
        let out = directory.appendingPathComponent("out")
        let run = try ProctorBinary.run(["export", "vector.proctor", "--key", "vector.key", "--json", "-o", out.path],
                                        environment: environment, in: directory)
        XCTAssertEqual(run.status, 0, run.stderr)
        let written = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: out.path).first { $0.hasSuffix(".json") })
        let report = try json(String(contentsOf: out.appendingPathComponent(written), encoding: .utf8)).mutableCopy() as! NSMutableDictionary
        let expected = try json(String(contentsOf: directory.appendingPathComponent("export.json"), encoding: .utf8)).mutableCopy() as! NSMutableDictionary
        // The version that wrote the report is not a property of the bundle.
        XCTAssertNotNil(report["generator"])
        report.removeObject(forKey: "generator")
        expected.removeObject(forKey: "generator")
        XCTAssertEqual(report, expected)
        XCTAssertEqual((expected["integrity"] as? NSDictionary)?["status"] as? String, "verified")
    }

    /// A file cut inside the session header still reports its real size (it used to say 0).
    func testVerifyJSONReportsTheSizeOfAFileCutInsideTheSessionHeader() throws {
        let cut = directory.appendingPathComponent("cut.proctor")
        try Data(try Data(contentsOf: directory.appendingPathComponent("vector.proctor")).prefix(40)).write(to: cut)
        let run = try ProctorBinary.run(["verify", "cut.proctor", "--json"], in: directory)
        XCTAssertEqual(run.status, 65, run.stderr)
        let report = try json(run.stdout)
        XCTAssertEqual(report["fileSize"] as? Int, 40)
        XCTAssertEqual(report["status"] as? String, "failed")
    }
}
