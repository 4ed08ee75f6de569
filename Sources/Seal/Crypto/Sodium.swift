internal import CSodium
import Foundation
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

    package static func randomBytes(_ count: Int) -> [UInt8] {
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

/// Key material in libsodium's guarded memory (`sodium_malloc`): its own pages between guard
/// pages, locked out of swap where the system allows it, and `PROT_NONE` except while a
/// `withUnsafeBytes` (read-only) or `withUnsafeMutableBytes` (read-write) body runs, so a stray
/// read or an overrun faults instead of leaking. `sodium_free` wipes it when the last
/// reference goes. Never printed, never Codable, never copied into an array.
// @unchecked: the pages' protection and the reader/writer counts change only under `access`
// (an NSLock), and the bytes are read or written only inside those bodies.
public final class SecretBytes: @unchecked Sendable {
    /// nil only for an empty secret (sodium_malloc(0) is allowed but pointless).
    private let storage: UnsafeMutableRawPointer?
    public let count: Int
    /// Bodies running now, each with its protection; the pages open while any runs. Several
    /// threads may read one key at a time (sealing parts in parallel), so access is counted
    /// rather than toggled.
    private let access = NSLock()
    private var readers = 0
    private var writers = 0

    init(count: Int) {
        self.count = count
        guard count > 0 else { storage = nil; return }
        // sodium_malloc aborts unless sodium_init ran (it learns the page size there); the
        // call is idempotent and cheap once done.
        guard sodium_init() >= 0, let memory = sodium_malloc(count) else {
            // As with any allocation failure: nothing sensible can continue without the key.
            fatalError("sodium_malloc(\(count)) failed: out of memory or locked-memory limit")
        }
        sodium_memzero(memory, count)
        sodium_mprotect_noaccess(memory)
        storage = memory
    }

    /// Copies `bytes` in; wiping the source, if it was secret, is the caller's job.
    convenience init(copying bytes: UnsafeRawBufferPointer) {
        self.init(count: bytes.count)
        if bytes.count > 0 { withUnsafeMutableBytes { $0.copyMemory(from: bytes) } }
    }

    convenience init(copying bytes: [UInt8]) {
        self.init(count: bytes.count)
        if bytes.count > 0 { bytes.withUnsafeBytes { source in withUnsafeMutableBytes { $0.copyMemory(from: source) } } }
    }

    static func random(count: Int) -> SecretBytes {
        let secret = SecretBytes(count: count)
        if count > 0 { secret.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, $0.count) } }
        return secret
    }

    func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        guard let storage else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        open(writing: false)
        defer { close(writing: false) }
        return try body(UnsafeRawBufferPointer(start: storage, count: count))
    }

    func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) -> R) -> R {
        guard let storage else { return body(UnsafeMutableRawBufferPointer(start: nil, count: 0)) }
        open(writing: true)
        defer { close(writing: true) }
        return body(UnsafeMutableRawBufferPointer(start: storage, count: count))
    }

    private func open(writing: Bool) {
        access.withLock {
            if writing { writers += 1 } else { readers += 1 }
            protect()
        }
    }

    private func close(writing: Bool) {
        access.withLock {
            if writing { writers -= 1 } else { readers -= 1 }
            protect()
        }
    }

    /// Called with `access` held.
    private func protect() {
        guard let storage else { return }
        if writers > 0 {
            sodium_mprotect_readwrite(storage)
        } else if readers > 0 {
            sodium_mprotect_readonly(storage)
        } else {
            sodium_mprotect_noaccess(storage)
        }
    }

    /// Explicit early wipe (e.g. the content key at part end); `sodium_free` wipes again.
    func wipe() {
        withUnsafeMutableBytes { sodium_memzero($0.baseAddress, $0.count) }
    }

    deinit {
        // sodium_free makes the pages writable, zeroes them and unmaps the guard pages.
        if let storage { sodium_free(storage) }
    }
}
