internal import COpenSSL
#if canImport(Glibc)
import Glibc
#endif
import ProctorModel

/// SHA-256: exam file digests, bundle chaining, receipts.
///
/// Backed by libcrypto, not libsodium: the bundle hashes every sealed byte (read back from the
/// file when it is finished), and libsodium's portable SHA-256 (about 60 MB/s here) would make
/// finishing a long recording take minutes, while libcrypto uses the CPU's SHA extensions
/// (about 1.7 GB/s here).
public enum SHA256 {
    public static let byteCount = 32

    /// The digest of `bytes` in one call.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var hasher = Incremental()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// The digest of a whole file (a bundle: hundreds of megabytes), read in 1 MiB pieces.
    public static func hash(contentsOf path: String) throws(ProctorError) -> [UInt8] {
        let file = try FileDescriptor(opening: path, O_RDONLY, "cannot read \(path)")
        var hasher = Incremental()
        try hasher.update(reading: file, "reading \(path) failed")
        return hasher.finalize()
    }

    /// Incremental hashing, for data that arrives in pieces (a bundle read record by record).
    public struct Incremental: ~Copyable {
        private let context: OpaquePointer

        public init() {
            // Both calls fail only when memory is exhausted; there is nothing to recover.
            guard let context = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new: out of memory") }
            guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else { fatalError("EVP_DigestInit_ex(SHA-256) failed") }
            self.context = context
        }

        private init(context: OpaquePointer) {
            self.context = context
        }

        public mutating func update(_ bytes: [UInt8]) {
            bytes.withUnsafeBufferPointer { update(UnsafeRawBufferPointer($0)) }
        }

        public mutating func update(_ bytes: UnsafeRawBufferPointer) {
            guard let base = bytes.baseAddress, bytes.count > 0 else { return }
            guard EVP_DigestUpdate(context, base, bytes.count) == 1 else { fatalError("EVP_DigestUpdate failed") }
        }

        /// Feeds bytes [offset, end) of `file` (nil: to its end) as read from it, in pieces of
        /// `chunk` bytes, in constant memory. Returns where reading stopped: short of `end`
        /// only when the file is shorter, which the caller judges.
        @discardableResult
        package mutating func update(reading file: FileDescriptor, from offset: Int64 = 0, to end: Int64? = nil,
                                     chunk: Int = 1 << 20, _ doing: @autoclosure () -> String) throws(ProctorError) -> Int64 {
            let size = end.map { Int(min(Int64(chunk), max(0, $0 - offset))) } ?? chunk
            guard size > 0 else { return offset }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
            defer { buffer.deallocate() }
            var position = offset
            while end.map({ position < $0 }) ?? true {
                let want = end.map { Int(min(Int64(buffer.count), $0 - position)) } ?? buffer.count
                let got = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]), at: position, doing())
                guard got > 0 else { break }
                update(UnsafeRawBufferPointer(rebasing: buffer[0..<got]))
                position += Int64(got)
            }
            return position
        }

        /// An independent hasher in the same state: the digest of a prefix while hashing goes on.
        public func copy() -> Incremental {
            guard let clone = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new: out of memory") }
            guard EVP_MD_CTX_copy_ex(clone, context) == 1 else { fatalError("EVP_MD_CTX_copy_ex failed") }
            return Incremental(context: clone)
        }

        public consuming func finalize() -> [UInt8] {
            var digest = [UInt8](repeating: 0, count: SHA256.byteCount)
            var length: UInt32 = 0
            guard EVP_DigestFinal_ex(context, &digest, &length) == 1, length == SHA256.byteCount else {
                fatalError("EVP_DigestFinal_ex failed")
            }
            return digest
        }

        deinit {
            EVP_MD_CTX_free(context)
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
