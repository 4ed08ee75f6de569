internal import CSodium
import ProctorModel

/// The AEAD that seals bundle records. The raw values are written into bundle headers.
public enum BundleCipher: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// libsodium `crypto_aead_aes256gcm`: needs AES-NI and PCLMUL, the default where present.
    case aes256GCM = 1
    /// libsodium `crypto_aead_xchacha20poly1305_ietf`: the fallback on CPUs without AES-NI.
    case xChaCha20Poly1305 = 2

    /// Environment variable that forces a cipher (`xchacha20poly1305` or `aes256gcm`).
    public static let environmentVariable = "PROCTOR_CIPHER"

    public var description: String {
        switch self {
        case .aes256GCM: "AES-256-GCM"
        case .xChaCha20Poly1305: "XChaCha20-Poly1305"
        }
    }

    public var nonceByteCount: Int {
        switch self {
        case .aes256GCM: Int(crypto_aead_aes256gcm_NPUBBYTES)
        case .xChaCha20Poly1305: Int(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
        }
    }

    public static let keyByteCount = 32
    public static let tagByteCount = 16

    /// Whether this CPU can run the cipher (libsodium's AES-GCM refuses to run without AES-NI).
    public var isAvailable: Bool {
        guard (try? Sodium.ensureInitialised()) != nil else { return false }
        switch self {
        case .aes256GCM: return crypto_aead_aes256gcm_is_available() == 1
        case .xChaCha20Poly1305: return true
        }
    }

    /// The cipher new bundles use: `PROCTOR_CIPHER` if set, else AES-256-GCM where the CPU has
    /// AES-NI, else XChaCha20-Poly1305.
    public static func preferred(environment: [String: String]) throws(ProctorError) -> BundleCipher {
        if let forced = environment[environmentVariable], !forced.isEmpty {
            switch forced.lowercased().replacingOccurrences(of: "-", with: "") {
            case "xchacha20poly1305": return .xChaCha20Poly1305
            case "aes256gcm":
                guard BundleCipher.aes256GCM.isAvailable else {
                    throw ProctorError(.unavailable, "\(environmentVariable)=aes256gcm, but this CPU has no AES-NI; unset it to use XChaCha20-Poly1305")
                }
                return .aes256GCM
            default:
                throw ProctorError(.usage, "\(environmentVariable) must be 'aes256gcm' or 'xchacha20poly1305', not '\(forced)'")
            }
        }
        return BundleCipher.aes256GCM.isAvailable ? .aes256GCM : .xChaCha20Poly1305
    }
}

/// One content key expanded for one cipher. The expanded AES state holds the key schedule, so it
/// is wiped together with the key; `wipe()` makes the cipher unusable.
final class ContentCipher {
    let cipher: BundleCipher
    private let key: SecretBytes
    /// AES-GCM's precomputed key schedule and GHASH table (libsodium wants 16-byte alignment);
    /// computing it once per part instead of once per record keeps sealing at raw speed.
    private var aesState: UnsafeMutableRawPointer?
    private(set) var isWiped = false

    init(_ cipher: BundleCipher, key: SecretBytes) throws(ProctorError) {
        try Sodium.ensureInitialised()
        guard key.count == BundleCipher.keyByteCount else {
            throw ProctorError(.internalFailure, "a content key must be \(BundleCipher.keyByteCount) bytes")
        }
        guard cipher.isAvailable else {
            throw ProctorError(.unavailable, "this bundle uses \(cipher), which this CPU cannot run; set \(BundleCipher.environmentVariable)=xchacha20poly1305 for new bundles")
        }
        self.cipher = cipher
        self.key = key
        if cipher == .aes256GCM {
            // The expanded key is as secret as the key: guarded memory too. Its 512 bytes end
            // on a page boundary, so the start is 16-byte aligned as libsodium requires.
            guard let state = sodium_malloc(crypto_aead_aes256gcm_statebytes()) else {
                throw ProctorError(.internalFailure, "cannot allocate locked memory for the content key")
            }
            precondition(Int(bitPattern: state) % 16 == 0, "crypto_aead_aes256gcm_state must be 16-byte aligned")
            let result = key.withUnsafeBytes { keyBytes in
                crypto_aead_aes256gcm_beforenm(state.assumingMemoryBound(to: crypto_aead_aes256gcm_state.self),
                                               keyBytes.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
            aesState = state
            try Sodium.check(result, "crypto_aead_aes256gcm_beforenm", .internalFailure, "could not expand the content key")
        }
    }

    /// Seals `plaintext` into `output` (plaintext.count + 16 bytes): ciphertext followed by the tag.
    func seal(_ plaintext: UnsafeRawBufferPointer, nonce: [UInt8], additionalData: [UInt8], into output: UnsafeMutableRawPointer) {
        precondition(!isWiped && nonce.count == cipher.nonceByteCount, "sealing with a wiped key or a wrong nonce size")
        var sealedLength: UInt64 = 0
        let message = plaintext.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let out = output.assumingMemoryBound(to: UInt8.self)
        // Both calls return 0 unconditionally for in-range lengths (records are capped far below 2^38).
        switch cipher {
        case .aes256GCM:
            _ = crypto_aead_aes256gcm_encrypt_afternm(out, &sealedLength, message, UInt64(plaintext.count),
                                                      additionalData, UInt64(additionalData.count), nil, nonce,
                                                      aesState!.assumingMemoryBound(to: crypto_aead_aes256gcm_state.self))
        case .xChaCha20Poly1305:
            key.withUnsafeBytes { keyBytes in
                _ = crypto_aead_xchacha20poly1305_ietf_encrypt(out, &sealedLength, message, UInt64(plaintext.count),
                                                               additionalData, UInt64(additionalData.count), nil, nonce,
                                                               keyBytes.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
    }

    /// Opens `sealed` (ciphertext + tag) into `output` (sealed.count - 16 bytes); false when the
    /// tag does not authenticate the ciphertext, nonce and additional data.
    func open(_ sealed: UnsafeRawBufferPointer, nonce: [UInt8], additionalData: [UInt8], into output: UnsafeMutableRawPointer) -> Bool {
        guard !isWiped, sealed.count >= BundleCipher.tagByteCount, nonce.count == cipher.nonceByteCount else { return false }
        var openedLength: UInt64 = 0
        let input = sealed.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let out = output.assumingMemoryBound(to: UInt8.self)
        let result: Int32
        switch cipher {
        case .aes256GCM:
            result = crypto_aead_aes256gcm_decrypt_afternm(out, &openedLength, nil, input, UInt64(sealed.count),
                                                           additionalData, UInt64(additionalData.count), nonce,
                                                           aesState!.assumingMemoryBound(to: crypto_aead_aes256gcm_state.self))
        case .xChaCha20Poly1305:
            result = key.withUnsafeBytes { keyBytes in
                crypto_aead_xchacha20poly1305_ietf_decrypt(out, &openedLength, nil, input, UInt64(sealed.count),
                                                           additionalData, UInt64(additionalData.count), nonce,
                                                           keyBytes.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
        return result == 0
    }

    /// Zeroes the key and its expanded schedule (part end); deinit does the same.
    func wipe() {
        key.wipe()
        if let aesState {
            sodium_memzero(aesState, crypto_aead_aes256gcm_statebytes())
        }
        isWiped = true
    }

    deinit {
        wipe()
        if let aesState { sodium_free(aesState) }
    }
}
