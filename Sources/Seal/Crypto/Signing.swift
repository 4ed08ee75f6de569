internal import CSodium
import ProctorModel

/// Ed25519 signatures (libsodium `crypto_sign_*`): instructors sign exam files with them.
package enum Signing {
    static let publicKeyBytes = 32
    static let seedBytes = 32
    static let signatureBytes = 64

    /// A key pair derived from a 32-byte seed, so only the seed needs storing at rest.
    static func keyPair(seed: SecretBytes) throws(ProctorError) -> (publicKey: [UInt8], secretKey: SecretBytes) {
        guard seed.count == seedBytes else {
            throw ProctorError(.badData, "an Ed25519 seed must be \(seedBytes) bytes, got \(seed.count)")
        }
        var publicKey = [UInt8](repeating: 0, count: publicKeyBytes)
        let secretKey = SecretBytes(count: Int(crypto_sign_secretkeybytes()))
        let result = seed.withUnsafeBytes { seedBytes in
            secretKey.withUnsafeMutableBytes { sk in
                crypto_sign_seed_keypair(&publicKey, sk.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                         seedBytes.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
        try Sodium.check(result, "crypto_sign_seed_keypair", .internalFailure, "could not derive a signing key")
        return (publicKey, secretKey)
    }

    /// A detached signature over `message` with a 64-byte libsodium secret key.
    static func sign(_ message: [UInt8], secretKey: SecretBytes) -> [UInt8] {
        var signature = [UInt8](repeating: 0, count: signatureBytes)
        _ = secretKey.withUnsafeBytes { sk in
            // crypto_sign_detached cannot fail with a well-formed key; the length is fixed.
            crypto_sign_detached(&signature, nil, message, UInt64(message.count),
                                 sk.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        return signature
    }

    /// True only when `signature` is a valid Ed25519 signature of `message` by `publicKey`.
    package static func verify(_ signature: [UInt8], of message: [UInt8], publicKey: [UInt8]) -> Bool {
        guard signature.count == signatureBytes, publicKey.count == publicKeyBytes else { return false }
        return crypto_sign_verify_detached(signature, message, UInt64(message.count), publicKey) == 0
    }
}

/// X25519 key pairs for `crypto_box` (bundles are sealed to the instructor's box public key).
enum BoxKeys {
    static let publicKeyBytes = 32
    static let secretKeyBytes = 32

    static func generate() -> (publicKey: [UInt8], secretKey: SecretBytes) {
        let secretKey = SecretBytes.random(count: secretKeyBytes)
        // The random 32 bytes are clamped by crypto_scalarmult_base itself, exactly as
        // crypto_box_keypair does, so deriving the public key here gives the same pair.
        return ((try? publicKey(for: secretKey)) ?? [], secretKey)
    }

    static func publicKey(for secretKey: SecretBytes) throws(ProctorError) -> [UInt8] {
        guard secretKey.count == secretKeyBytes else {
            throw ProctorError(.badData, "an X25519 secret key must be \(secretKeyBytes) bytes")
        }
        var publicKey = [UInt8](repeating: 0, count: publicKeyBytes)
        let result = secretKey.withUnsafeBytes { sk in
            crypto_scalarmult_base(&publicKey, sk.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        try Sodium.check(result, "crypto_scalarmult_base", .key, "this X25519 secret key is not usable")
        return publicKey
    }
}

extension SecretBytes {
    /// The first `count` bytes as a new secret, copied without an intermediate array.
    func prefix(_ count: Int) -> SecretBytes { slice(0..<count) }

    /// Two secrets side by side, e.g. the box key and the signing seed stored together.
    static func concatenating(_ first: SecretBytes, _ second: SecretBytes) -> SecretBytes {
        let joined = SecretBytes(count: first.count + second.count)
        joined.withUnsafeMutableBytes { target in
            first.withUnsafeBytes { a in
                second.withUnsafeBytes { b in
                    if a.count > 0 { UnsafeMutableRawBufferPointer(rebasing: target[0..<a.count]).copyMemory(from: a) }
                    if b.count > 0 { UnsafeMutableRawBufferPointer(rebasing: target[a.count...]).copyMemory(from: b) }
                }
            }
        }
        return joined
    }

    /// Bytes `range` as a new secret.
    func slice(_ range: Range<Int>) -> SecretBytes {
        let copy = SecretBytes(count: range.count)
        withUnsafeBytes { source in
            copy.withUnsafeMutableBytes { target in
                if range.count > 0 { target.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[range])) }
            }
        }
        return copy
    }
}
