internal import CSodium
import ProctorModel

/// Passphrase-protected secrets at rest: Argon2id (`crypto_pwhash`) stretches the passphrase
/// into a key for XSalsa20-Poly1305 (`crypto_secretbox`). A wrong passphrase fails the
/// Poly1305 tag, so it is told apart from damage only by the caller's wording.
enum PasswordHash {
    static let saltBytes = Int(crypto_pwhash_saltbytes())
    static let keyBytes = Int(crypto_secretbox_keybytes())

    /// Argon2id cost, stored next to the salt so it can be raised without breaking old files.
    struct Cost: Codable, Equatable, Sendable {
        var opsLimit: UInt64
        var memLimit: UInt64

        /// libsodium's "moderate" level (256 MiB, about a second here): the secret file guards
        /// every recording sealed to this instructor, and it is unlocked rarely.
        static var moderate: Cost {
            Cost(opsLimit: UInt64(crypto_pwhash_opslimit_moderate()), memLimit: UInt64(crypto_pwhash_memlimit_moderate()))
        }
    }

    static func deriveKey(passphrase: SecretBytes, salt: [UInt8], cost: Cost) throws(ProctorError) -> SecretBytes {
        guard passphrase.count > 0 else { throw ProctorError(.key, "the passphrase is empty") }
        guard salt.count == saltBytes else {
            throw ProctorError(.badData, "the key file's salt must be \(saltBytes) bytes, got \(salt.count)")
        }
        guard cost.opsLimit >= UInt64(crypto_pwhash_opslimit_min()), cost.opsLimit <= UInt64(crypto_pwhash_opslimit_max()),
              cost.memLimit >= UInt64(crypto_pwhash_memlimit_min()), cost.memLimit <= 4 << 30 else {
            throw ProctorError(.badData, "the key file asks for an Argon2id cost outside the supported range")
        }
        let key = SecretBytes(count: keyBytes)
        let result = passphrase.withUnsafeBytes { pass in
            key.withUnsafeMutableBytes { out in
                crypto_pwhash(out.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(out.count),
                              pass.baseAddress!.assumingMemoryBound(to: CChar.self), UInt64(pass.count),
                              salt, cost.opsLimit, Int(cost.memLimit), crypto_pwhash_alg_argon2id13())
            }
        }
        try Sodium.check(result, "crypto_pwhash", .internalFailure,
                         "could not derive a key from the passphrase (out of memory?)")
        return key
    }
}

/// Authenticated symmetric encryption of small secrets (`crypto_secretbox_easy`).
enum SecretBox {
    static let nonceBytes = Int(crypto_secretbox_noncebytes())
    static let tagBytes = Int(crypto_secretbox_macbytes())

    static func seal(_ plaintext: SecretBytes, key: SecretBytes, nonce: [UInt8]) -> [UInt8] {
        var sealed = [UInt8](repeating: 0, count: plaintext.count + tagBytes)
        plaintext.withUnsafeBytes { message in
            key.withUnsafeBytes { k in
                _ = crypto_secretbox_easy(&sealed, message.baseAddress?.assumingMemoryBound(to: UInt8.self),
                                          UInt64(message.count), nonce, k.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
        return sealed
    }

    /// nil when the tag does not verify: wrong key (passphrase) or edited ciphertext.
    static func open(_ sealed: [UInt8], key: SecretBytes, nonce: [UInt8]) -> SecretBytes? {
        guard sealed.count > tagBytes, nonce.count == nonceBytes else { return nil }
        let plaintext = SecretBytes(count: sealed.count - tagBytes)
        let result = key.withUnsafeBytes { k in
            plaintext.withUnsafeMutableBytes { out in
                crypto_secretbox_open_easy(out.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                           sealed, UInt64(sealed.count), nonce,
                                           k.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
        return result == 0 ? plaintext : nil
    }
}
