import Foundation
import ProctorModel

/// Random-access bytes the reader pulls from: a file (read in record-sized pieces, so memory
/// stays bounded by the largest record) or an in-memory buffer (tests, fuzzing).
protocol ByteSource: Sendable {
    var size: Int { get }
    /// Up to `count` bytes at `offset`; fewer only at the end of the data.
    func read(at offset: Int, count: Int) throws(ProctorError) -> [UInt8]
}

struct MemorySource: ByteSource {
    let bytes: [UInt8]
    var size: Int { bytes.count }

    func read(at offset: Int, count: Int) -> [UInt8] {
        guard offset < bytes.count, count > 0 else { return [] }
        return Array(bytes[offset..<min(bytes.count, offset + count)])
    }
}

final class FileSource: ByteSource, @unchecked Sendable {
    let path: String
    let size: Int
    private let descriptor: Int32

    init(path: String) throws(ProctorError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BundleAppendFile.error(errno, "could not open the bundle \(path)") }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            _ = close(fd)
            throw BundleAppendFile.error(code, "could not read the bundle \(path)")
        }
        descriptor = fd
        size = Int(info.st_size)
    }

    func read(at offset: Int, count: Int) throws(ProctorError) -> [UInt8] {
        let wanted = max(0, min(count, size - offset))
        guard wanted > 0 else { return [] }
        var failure: Int32 = 0
        // Uninitialised capacity: pread fills it, so a 1 MiB record costs no memset.
        let bytes = [UInt8](unsafeUninitializedCapacity: wanted) { buffer, initialised in
            var done = 0
            while done < wanted {
                let got = pread(descriptor, buffer.baseAddress! + done, wanted - done, off_t(offset + done))
                if got < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    break
                }
                if got == 0 { break }
                done += got
            }
            initialised = done
        }
        if failure != 0 { throw BundleAppendFile.error(failure, "could not read the bundle \(path)") }
        return bytes
    }

    deinit {
        _ = close(descriptor)
    }
}
