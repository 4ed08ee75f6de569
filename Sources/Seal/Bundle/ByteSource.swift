import Foundation
import ProctorModel

/// Random-access bytes the reader pulls from: a file (read in record-sized pieces, so memory
/// stays bounded by the largest record) or an in-memory buffer (tests, fuzzing).
protocol ByteSource: Sendable {
    var size: Int { get }
    /// Up to `count` bytes at `offset`; fewer only at the end of the data.
    func read(at offset: Int, count: Int) throws(ProctorError) -> [UInt8]
    /// The reads that follow jump ahead (frame headers only, records skipped).
    func expectSparseReads()
}

extension ByteSource {
    func expectSparseReads() {}
}

struct MemorySource: ByteSource {
    let bytes: [UInt8]
    var size: Int { bytes.count }

    func read(at offset: Int, count: Int) -> [UInt8] {
        guard offset < bytes.count, count > 0 else { return [] }
        return Array(bytes[offset..<min(bytes.count, offset + count)])
    }
}

final class FileSource: ByteSource {
    let path: String
    let size: Int
    private let descriptor: FileDescriptor

    init(path: String) throws(ProctorError) {
        self.path = path
        descriptor = try FileDescriptor(opening: path, O_RDONLY, "could not open the bundle \(path)")
        size = Int(try descriptor.status("could not read the bundle \(path)").size)
    }

    /// No readahead: a walk over frame headers would otherwise pull the skipped media into
    /// the page cache too, reading from disk every byte of a bundle it means to skip.
    func expectSparseReads() {
        _ = posix_fadvise(descriptor.raw, 0, 0, POSIX_FADV_RANDOM)
    }

    func read(at offset: Int, count: Int) throws(ProctorError) -> [UInt8] {
        let wanted = max(0, min(count, size - offset))
        guard wanted > 0 else { return [] }
        var failure: ProctorError?
        // Uninitialised capacity: pread fills it, so a 1 MiB record costs no memset.
        let bytes = [UInt8](unsafeUninitializedCapacity: wanted) { buffer, initialised in
            do throws(ProctorError) {
                initialised = try descriptor.read(into: UnsafeMutableRawBufferPointer(buffer), at: Int64(offset), "could not read the bundle \(path)")
            } catch {
                failure = error
                initialised = 0
            }
        }
        if let failure { throw failure }
        return bytes
    }
}
