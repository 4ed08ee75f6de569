import Synchronization

/// Where a writer gets its secrets. Production uses the system CSPRNG; the checked-in test
/// vector injects a seeded source through this seam so its bytes can be reproduced exactly.
protocol BundleEntropy: Sendable {
    func contentKey() -> SecretBytes
    func signingSeed() -> SecretBytes
    /// nil: let crypto_box_seal pick its own ephemeral key pair.
    func ephemeralSeed() -> SecretBytes?
}

struct SystemEntropy: BundleEntropy {
    func contentKey() -> SecretBytes { SecretBytes.random(count: BundleCipher.keyByteCount) }
    func signingSeed() -> SecretBytes { SecretBytes.random(count: Signing.seedBytes) }
    func ephemeralSeed() -> SecretBytes? { nil }
}

/// Deterministic secrets: SHA-256(seed || label || counter). For test vectors only: a bundle
/// written with it is as secret as its seed.
final class SeededEntropy: BundleEntropy {
    private let seed: [UInt8]
    private let counter = Mutex<UInt64>(0)

    init(seed: [UInt8]) {
        self.seed = seed
    }

    func contentKey() -> SecretBytes { next("content-key") }
    func signingSeed() -> SecretBytes { next("signing-seed") }
    func ephemeralSeed() -> SecretBytes? { next("ephemeral-seed") }

    private func next(_ label: String) -> SecretBytes {
        var builder = ByteBuilder()
        builder.append(seed)
        builder.append(Array(label.utf8))
        builder.append(counter.withLock { counter in
            defer { counter += 1 }
            return counter
        })
        return SecretBytes(copying: SHA256.hash(builder.bytes))
    }
}
