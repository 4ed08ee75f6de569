import ProctorModel

/// An Ed25519 key pair on its own, for signers that are not an instructor identity: the
/// collection server (tickets, receipts) and a recording part (checkpoints). Only the 32-byte
/// seed is secret at rest; the 64-byte libsodium secret key lives in `SecretBytes`.
package final class SigningKey: Sendable {
    package static let publicKeyBytes = Signing.publicKeyBytes
    package static let seedBytes = Signing.seedBytes
    package static let signatureBytes = Signing.signatureBytes

    package let publicKey: [UInt8]
    package let seed: SecretBytes
    private let secretKey: SecretBytes

    /// The key pair a seed determines (a stored server key, a test vector).
    package init(seed: SecretBytes) throws(ProctorError) {
        try Sodium.ensureInitialised()
        self.seed = seed
        (publicKey, secretKey) = try Signing.keyPair(seed: seed)
    }

    /// A key pair from fresh randomness.
    package static func generate() throws(ProctorError) -> SigningKey {
        try Sodium.ensureInitialised()
        return try SigningKey(seed: SecretBytes.random(count: seedBytes))
    }

    /// Detached Ed25519 signature over `message`.
    package func sign(_ message: [UInt8]) -> [UInt8] {
        Signing.sign(message, secretKey: secretKey)
    }
}

extension SecretBytes {
    /// A secret made from bytes that were already in ordinary memory (a seed read from a file).
    package static func copying(_ bytes: [UInt8]) -> SecretBytes { SecretBytes(copying: bytes) }

    /// The bytes as an ordinary array, for writing a secret to its own 0600 file.
    package var exposedBytes: [UInt8] { withUnsafeBytes { Array($0) } }
}
