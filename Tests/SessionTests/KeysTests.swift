import XCTest
@testable import ProctorModel
@testable import Seal

final class KeysTests: XCTestCase {
    private var directory: URL!
    /// The lowest Argon2id cost: the stored cost is honoured on load, so this tests the real path.
    private let fastCost = PasswordHash.Cost(opsLimit: 1, memLimit: 8192)

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func testWrittenKeyLoadsBackWithTheSameKeysAndSecretFileIsPrivate() throws {
        let identity = try InstructorIdentity.generate(name: "dr-ada")
        let urls = try identity.write(to: directory, passphrase: SecretBytes(copying: Array("s3cret".utf8)), cost: fastCost)
        XCTAssertEqual(urls.key.lastPathComponent, "dr-ada.key")
        let mode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: urls.key.path)[.posixPermissions] as? Int)
        XCTAssertEqual(mode, 0o600)

        let loaded = try InstructorIdentity.load(from: urls.key, passphrase: .text("s3cret"))
        XCTAssertEqual(loaded.name, "dr-ada")
        XCTAssertEqual(loaded.boxPublicKey, identity.boxPublicKey)
        XCTAssertEqual(loaded.signPublicKey, identity.signPublicKey)
        XCTAssertEqual(loaded.boxSecretKey.withUnsafeBytes { Array($0) }, identity.boxSecretKey.withUnsafeBytes { Array($0) })
        // A signature by the loaded key verifies under the published key.
        let signature = loaded.sign(Array("exam".utf8))
        XCTAssertTrue(Signing.verify(signature, of: Array("exam".utf8), publicKey: identity.signPublicKey))

        let pub = try RecipientKey(contentsOf: urls.pub)
        XCTAssertEqual(pub, identity.recipientKey)
        let line = try String(contentsOf: urls.pub, encoding: .utf8)
        XCTAssertTrue(line.hasPrefix("proctor-pub-v2 dr-ada "))
        XCTAssertLessThan(line.count, 120, "the .pub line must stay short enough to paste")
    }

    func testWrongPassphraseIsAKeyError() throws {
        let identity = try InstructorIdentity.generate(name: "ta")
        let urls = try identity.write(to: directory, passphrase: SecretBytes(copying: Array("right".utf8)), cost: fastCost)
        XCTAssertThrowsError(try InstructorIdentity.load(from: urls.key, passphrase: .text("wrong"))) { error in
            let error = error as! ProctorError
            XCTAssertEqual(error.code, .key)
            XCTAssertTrue(error.message.contains("wrong passphrase"), error.message)
        }
    }

    func testUnencryptedKeyNeedsNoPassphrase() throws {
        let identity = try InstructorIdentity.generate(name: "lab")
        let urls = try identity.write(to: directory, passphrase: nil, cost: fastCost)
        let loaded = try InstructorIdentity.load(from: urls.key, passphrase: .text("ignored"))
        XCTAssertEqual(loaded.signPublicKey, identity.signPublicKey)
    }

    func testKeysAreNeverOverwritten() throws {
        let first = try InstructorIdentity.generate(name: "same")
        _ = try first.write(to: directory, passphrase: nil, cost: fastCost)
        XCTAssertThrowsError(try InstructorIdentity.generate(name: "same").write(to: directory, passphrase: nil, cost: fastCost)) { error in
            XCTAssertEqual((error as! ProctorError).code, .usage)
        }
        let kept = try InstructorIdentity.load(from: directory.appendingPathComponent("same.key"), passphrase: .text(""))
        XCTAssertEqual(kept.signPublicKey, first.signPublicKey)
    }

    func testEditedPublicKeyInKeyFileIsDetected() throws {
        let identity = try InstructorIdentity.generate(name: "edit")
        let urls = try identity.write(to: directory, passphrase: nil, cost: fastCost)
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: urls.key)) as! [String: Any]
        json["signPublicKey"] = Data(try InstructorIdentity.generate(name: "other").signPublicKey).base64EncodedString()
        try JSONSerialization.data(withJSONObject: json).write(to: urls.key)
        XCTAssertThrowsError(try InstructorIdentity.load(from: urls.key, passphrase: .text(""))) { error in
            XCTAssertEqual((error as! ProctorError).code, .badData)
        }
    }

    func testPublicKeyLineParsingRejectsDamage() throws {
        let key = try InstructorIdentity.generate(name: "x").recipientKey
        XCTAssertEqual(try RecipientKey(line: key.line + "\n"), key)
        XCTAssertThrowsError(try RecipientKey(line: "proctor-pub-v3 x " + key.line.split(separator: " ")[2]))
        XCTAssertThrowsError(try RecipientKey(line: "proctor-pub-v1 x AAAA"))
        XCTAssertThrowsError(try RecipientKey(line: "proctor-pub-v1 bad/name " + key.line.split(separator: " ")[2]))
    }

    func testPublicKeyLinesCarryCheckDigitsAndV1IsStillRead() throws {
        let key = try InstructorIdentity.generate(name: "chk").recipientKey
        let fields = key.line.split(separator: " ").map(String.init)
        XCTAssertEqual(fields.count, 4)
        XCTAssertEqual(fields[3].count, 6)
        XCTAssertEqual(fields[3], Array(SHA256.hash(Array("proctor-pub-v2 chk \(fields[2])".utf8))[0..<3]).hexString)
        XCTAssertEqual(try RecipientKey(line: " \t" + key.line + "  \n"), key, "pasted whitespace around the line is ignored")
        XCTAssertEqual(try RecipientKey(line: key.legacyLine, warnLegacy: false), key)
        // Every single-character change to the base64 is refused (not just those that break base64).
        let base64 = Array(fields[2])
        for index in stride(from: 0, to: base64.count - 2, by: 7) {
            var edited = base64
            edited[index] = edited[index] == "Q" ? "R" : "Q"
            let line = [fields[0], fields[1], String(edited), fields[3]].joined(separator: " ")
            XCTAssertThrowsError(try RecipientKey(line: line), "changed character \(index)") { error in
                XCTAssertEqual((error as? ProctorError)?.code, .badData)
            }
        }
        XCTAssertThrowsError(try RecipientKey(line: [fields[0], "chl", fields[2], fields[3]].joined(separator: " ")), "a renamed key is refused too")
        XCTAssertThrowsError(try RecipientKey(line: [fields[0], fields[1], fields[2]].joined(separator: " ")), "v2 without its check")
    }

    /// Secrets live in sodium_malloc'd pages that are PROT_NONE between uses: reading works
    /// inside `withUnsafeBytes`, nested and from several threads at once.
    func testSecretBytesRoundTripInGuardedMemory() throws {
        let secret = SecretBytes(copying: Array(0..<64))
        XCTAssertEqual(secret.count, 64)
        XCTAssertEqual(secret.withUnsafeBytes { Array($0) }, Array(0..<64))
        XCTAssertEqual(secret.slice(32..<64).withUnsafeBytes { Array($0) }, Array(32..<64))
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<200 {
                let sum = secret.withUnsafeBytes { outer in secret.withUnsafeBytes { inner in outer.reduce(0) { $0 + Int($1) } + Int(inner[63]) } }
                XCTAssertEqual(sum, 2016 + 63)
            }
        }
        secret.wipe()
        XCTAssertEqual(secret.withUnsafeBytes { Array($0) }, [UInt8](repeating: 0, count: 64))
        XCTAssertEqual(SecretBytes(count: 0).withUnsafeBytes { $0.count }, 0)
    }
}
