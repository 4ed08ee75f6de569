import Foundation
#if canImport(Glibc)
import Glibc
import ProctorModel
#endif

/// The local sealed bundle, opened read-only. Delivery never writes to it: until a receipt
/// exists it is the only copy of the exam.
final class BundleFile {
    let url: URL
    let size: Int64
    private let descriptor: Int32

    init(url: URL) throws(ProctorError) {
        self.url = url
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            switch code {
            case ENOENT, ENOTDIR:
                throw ProctorError(.missingInput, "no bundle at \(url.path)")
            case EACCES, EPERM:
                throw ProctorError(.permission, "cannot read the bundle \(url.path): permission denied")
            default:
                throw ProctorError(.io, "cannot open the bundle \(url.path)", detail: "open: \(String(cString: strerror(code)))")
            }
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw ProctorError(.missingInput, "\(url.path) is not a bundle file")
        }
        self.descriptor = descriptor
        self.size = Int64(status.st_size)
    }

    deinit {
        close(descriptor)
    }

    /// Fills `buffer` from `offset`; returns fewer bytes only at the end of the file.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(ProctorError) -> Int {
        var filled = 0
        while filled < buffer.count {
            let got = pread(descriptor, buffer.baseAddress! + filled, buffer.count - filled, off_t(offset) + off_t(filled))
            if got == 0 { break }
            if got < 0 {
                if errno == EINTR { continue }
                throw ProctorError(.io, "cannot read the bundle \(url.path)", detail: "pread: \(String(cString: strerror(errno)))")
            }
            filled += got
        }
        return filled
    }

    /// `count` bytes from `offset` as one value, for a segment that goes out as one request body.
    func data(at offset: Int64, count: Int) throws(ProctorError) -> Data {
        var data = Data(count: count)
        var result: Result<Int, ProctorError> = .success(0)
        data.withUnsafeMutableBytes { buffer in
            result = Result { () throws(ProctorError) -> Int in try read(into: buffer, at: offset) }
        }
        let got = try result.get()
        guard got == count else {
            throw ProctorError(.io, "the bundle \(url.path) got shorter while it was being delivered")
        }
        return data
    }

    /// Calls `body` with consecutive chunks from `offset` up to `end`, reusing one buffer so that
    /// memory stays constant whatever the bundle's size.
    func forEachChunk(from offset: Int64 = 0, to end: Int64? = nil, chunkSize: Int = 1 << 20,
                      _ body: (UnsafeRawBufferPointer) throws(ProctorError) -> Void) throws(ProctorError) {
        let end = end ?? size
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var position = offset
        while position < end {
            let want = Int(min(Int64(chunkSize), end - position))
            let got = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]), at: position)
            guard got == want else {
                throw ProctorError(.io, "the bundle \(url.path) got shorter while it was being delivered")
            }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<got]))
            position += Int64(got)
        }
    }
}
