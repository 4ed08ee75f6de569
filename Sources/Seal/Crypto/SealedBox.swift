internal import CSodium
import ProctorModel

/// Anonymous public-key encryption of a content key to one recipient (libsodium sealed boxes:
/// an ephemeral X25519 key pair, crypto_box, the ephemeral public key prepended).
enum SealedBox {
    static let overhead = Int(crypto_box_sealbytes())

    /// Seals `secret` to `publicKey` with `crypto_box_seal`. When `ephemeralSeed` is given (test
    /// vectors only) the ephemeral key pair comes from it instead, through the same construction
    /// crypto_box_seal uses (nonce = BLAKE2b-192(ephemeral pk || recipient pk)), so the result
    /// still opens with crypto_box_seal_open and a vector can be reproduced byte for byte.
    static func seal(_ secret: SecretBytes, to publicKey: [UInt8], ephemeralSeed: SecretBytes?) throws(ProctorError) -> [UInt8] {
        try Sodium.ensureInitialised()
        guard publicKey.count == Int(crypto_box_PUBLICKEYBYTES) else {
            throw ProctorError(.badData, "a recipient public key must be \(crypto_box_PUBLICKEYBYTES) bytes")
        }
        var box = [UInt8](repeating: 0, count: secret.count + overhead)
        guard let ephemeralSeed else {
            let result = secret.withUnsafeBytes { message in
                crypto_box_seal(&box, message.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(message.count), publicKey)
            }
            try Sodium.check(result, "crypto_box_seal", .badData, "could not seal the content key to a recipient (is the public key valid?)")
            return box
        }
        var ephemeralPublic = [UInt8](repeating: 0, count: Int(crypto_box_PUBLICKEYBYTES))
        let ephemeralSecret = SecretBytes(count: Int(crypto_box_SECRETKEYBYTES))
        var result = ephemeralSeed.withUnsafeBytes { seed in
            ephemeralSecret.withUnsafeMutableBytes { secretBytes in
                crypto_box_seed_keypair(&ephemeralPublic, secretBytes.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                        seed.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
        try Sodium.check(result, "crypto_box_seed_keypair", .internalFailure, "could not derive an ephemeral key pair")
        var nonce = [UInt8](repeating: 0, count: Int(crypto_box_NONCEBYTES))
        let noncePreimage = ephemeralPublic + publicKey
        result = crypto_generichash(&nonce, nonce.count, noncePreimage, UInt64(noncePreimage.count), nil, 0)
        try Sodium.check(result, "crypto_generichash", .internalFailure, "could not derive a sealed-box nonce")
        box.replaceSubrange(0..<ephemeralPublic.count, with: ephemeralPublic)
        result = secret.withUnsafeBytes { message in
            ephemeralSecret.withUnsafeBytes { secretBytes in
                box.withUnsafeMutableBufferPointer { out in
                    crypto_box_easy(out.baseAddress! + ephemeralPublic.count, message.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                    UInt64(message.count), nonce, publicKey, secretBytes.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
            }
        }
        try Sodium.check(result, "crypto_box_easy", .badData, "could not seal the content key to a recipient (is the public key valid?)")
        return box
    }

    /// Opens a sealed box with the recipient's key pair; nil when it was not sealed to this key
    /// pair or was altered.
    static func open(_ box: ArraySlice<UInt8>, publicKey: [UInt8], secretKey: SecretBytes) -> SecretBytes? {
        guard box.count > overhead, publicKey.count == Int(crypto_box_PUBLICKEYBYTES),
              secretKey.count == Int(crypto_box_SECRETKEYBYTES), (try? Sodium.ensureInitialised()) != nil else { return nil }
        let opened = SecretBytes(count: box.count - overhead)
        let result = box.withUnsafeBufferPointer { input in
            secretKey.withUnsafeBytes { secretBytes in
                opened.withUnsafeMutableBytes { out in
                    crypto_box_seal_open(out.baseAddress!.assumingMemoryBound(to: UInt8.self), input.baseAddress!, UInt64(input.count),
                                         publicKey, secretBytes.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
            }
        }
        return result == 0 ? opened : nil
    }
}
