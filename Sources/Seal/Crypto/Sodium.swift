internal import CSodium
import ProctorModel

/// The one place libsodium is initialised and its return codes are checked.
package enum Sodium {
    /// sodium_init() is idempotent and thread-safe; calling it before every first use is
    /// cheaper than arranging a global initialisation order.
    package static func ensureInitialised() throws(ProctorError) {
        guard sodium_init() >= 0 else {
            throw ProctorError(.internalFailure, "libsodium could not initialise its random number generator")
        }
    }

    /// Turns a libsodium return code (0 ok, -1 failure) into an error naming the call.
    static func check(_ result: Int32, _ call: String, _ code: ProctorError.Code, _ message: String) throws(ProctorError) {
        guard result == 0 else { throw ProctorError(code, message, detail: "\(call) returned \(result)") }
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        if count > 0 { bytes.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, $0.count) } }
        return bytes
    }

    /// Constant-time comparison, for tags and hashes an attacker may have chosen.
    static func equalInConstantTime(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { pa in b.withUnsafeBytes { pb in sodium_memcmp(pa.baseAddress, pb.baseAddress, a.count) == 0 } }
    }
}

/// Key material that is wiped from memory when the last reference goes away.
/// Never printed, never Codable: a secret leaves this type only through `withUnsafeBytes`.
// @unchecked: the bytes are written only while the secret is made (random) and when it is
// wiped with libsodium at the end of its use; in between every holder only reads them.
public final class SecretBytes: @unchecked Sendable {
    private var storage: [UInt8]

    init(count: Int) {
        storage = [UInt8](repeating: 0, count: count)
    }

    init(copying bytes: [UInt8]) {
        storage = bytes
    }

    static func random(count: Int) -> SecretBytes {
        let secret = SecretBytes(count: count)
        if count > 0 { secret.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, $0.count) } }
        return secret
    }

    public var count: Int { storage.count }

    func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        do {
            return try storage.withUnsafeBytes { buffer in try body(buffer) }
        } catch let error as E {
            throw error
        } catch {
            fatalError("unreachable: body throws only E")
        }
    }

    func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) -> R) -> R {
        storage.withUnsafeMutableBytes { body($0) }
    }

    /// Explicit early wipe (e.g. the content key at part end); deinit wipes again harmlessly.
    func wipe() {
        storage.withUnsafeMutableBytes { sodium_memzero($0.baseAddress, $0.count) }
    }

    deinit {
        wipe()
    }
}
