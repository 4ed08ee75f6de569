import XCTest
@testable import Seal

/// The libsodium wrappers against published test vectors, so a wrong pointer or length
/// cannot hide behind a round trip that only agrees with itself.
final class KeysCryptoTests: XCTestCase {
    func testSHA256MatchesFIPSVector() {
        XCTAssertEqual(SHA256.hash(Array("abc".utf8)).hexString,
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var incremental = SHA256.Incremental()
        incremental.update(Array("a".utf8))
        incremental.update(Array("bc".utf8))
        let digest = incremental.finalize()
        XCTAssertEqual(digest, SHA256.hash(Array("abc".utf8)))
        XCTAssertEqual(SHA256.hash([]).hexString, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    func testEd25519MatchesRFC8032Vector1() throws {
        let seed = SecretBytes(copying: try hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))
        let pair = try Signing.keyPair(seed: seed)
        XCTAssertEqual(pair.publicKey.hexString, "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        let signature = Signing.sign([], secretKey: pair.secretKey)
        XCTAssertEqual(signature.hexString, "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065"
                       + "224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
        XCTAssertTrue(Signing.verify(signature, of: [], publicKey: pair.publicKey))
        XCTAssertFalse(Signing.verify(signature, of: [0], publicKey: pair.publicKey))
        var flipped = signature
        flipped[10] ^= 1
        XCTAssertFalse(Signing.verify(flipped, of: [], publicKey: pair.publicKey))
    }

    func testX25519PublicKeyMatchesRFC7748() throws {
        let secret = SecretBytes(copying: try hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"))
        XCTAssertEqual(try BoxKeys.publicKey(for: secret).hexString,
                       "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
    }

    func testPassphraseProtectedSecretOpensOnlyWithTheRightPassphrase() throws {
        try Sodium.ensureInitialised()
        // The minimum Argon2id cost keeps this test fast; the stored cost is what is used.
        let cost = PasswordHash.Cost(opsLimit: 1, memLimit: 8192)
        let salt = Sodium.randomBytes(PasswordHash.saltBytes)
        let nonce = Sodium.randomBytes(SecretBox.nonceBytes)
        let secret = SecretBytes(copying: Array(0..<64))
        let key = try PasswordHash.deriveKey(passphrase: SecretBytes(copying: Array("correct horse".utf8)), salt: salt, cost: cost)
        let sealed = SecretBox.seal(secret, key: key, nonce: nonce)
        XCTAssertEqual(sealed.count, 64 + SecretBox.tagBytes)

        let again = try PasswordHash.deriveKey(passphrase: SecretBytes(copying: Array("correct horse".utf8)), salt: salt, cost: cost)
        let opened = try XCTUnwrap(SecretBox.open(sealed, key: again, nonce: nonce))
        XCTAssertEqual(opened.withUnsafeBytes { Array($0) }, Array(0..<64))

        let wrong = try PasswordHash.deriveKey(passphrase: SecretBytes(copying: Array("correct horsf".utf8)), salt: salt, cost: cost)
        XCTAssertNil(SecretBox.open(sealed, key: wrong, nonce: nonce))
    }

    private func hex(_ text: String) throws -> [UInt8] {
        var bytes = [UInt8]()
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(try XCTUnwrap(UInt8(text[index..<next], radix: 16)))
            index = next
        }
        return bytes
    }
}
