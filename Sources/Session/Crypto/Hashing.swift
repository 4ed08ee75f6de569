internal import CSodium

/// SHA-256 through libsodium: exam file digests, bundle chaining, receipts.
public enum SHA256 {
    public static let byteCount = 32

    /// The digest of `bytes` in one call.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var hasher = Incremental()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Incremental hashing, for data that arrives in pieces (a bundle read record by record).
    public struct Incremental: ~Copyable {
        private var state = crypto_hash_sha256_state()

        public init() {
            crypto_hash_sha256_init(&state)
        }

        public mutating func update(_ bytes: [UInt8]) {
            bytes.withUnsafeBufferPointer { update(UnsafeRawBufferPointer($0)) }
        }

        public mutating func update(_ bytes: UnsafeRawBufferPointer) {
            guard let base = bytes.baseAddress, bytes.count > 0 else { return }
            crypto_hash_sha256_update(&state, base.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count))
        }

        public consuming func finalize() -> [UInt8] {
            var digest = [UInt8](repeating: 0, count: SHA256.byteCount)
            crypto_hash_sha256_final(&state, &digest)
            return digest
        }
    }
}

extension Array where Element == UInt8 {
    /// Lowercase hex, for digests shown to people and written into receipts.
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
