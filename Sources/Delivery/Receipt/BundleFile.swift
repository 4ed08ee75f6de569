import Foundation
import ProctorModel

/// The local sealed bundle, opened read-only. Delivery never writes to it: until a receipt
/// exists it is the only copy of the exam.
final class BundleFile {
    let url: URL
    let size: Int64
    private let descriptor: FileDescriptor

    init(url: URL) throws(ProctorError) {
        self.url = url
        do {
            descriptor = try FileDescriptor(opening: url.path, O_RDONLY, "cannot open the bundle \(url.path)")
        } catch where error.code == .missingInput {
            throw error.withMessage("no bundle at \(url.path)")
        }
        let status = try descriptor.status("cannot open the bundle \(url.path)")
        guard status.isRegularFile else { throw ProctorError(.missingInput, "\(url.path) is not a bundle file") }
        size = status.size
    }

    /// Fills `buffer` from `offset`; returns fewer bytes only at the end of the file.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(ProctorError) -> Int {
        try descriptor.read(into: buffer, at: offset, "cannot read the bundle \(url.path)")
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
