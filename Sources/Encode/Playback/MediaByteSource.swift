import Foundation
import ProctorModel

/// Random-access bytes of one recorded Matroska stream. The bundle keeps media encrypted in
/// records; Session implements this over them so export decrypts only the records a read
/// touches, and memory stays bounded however long the recording is.
public protocol MediaByteSource: AnyObject {
    /// Total length in bytes.
    var size: Int64 { get }
    /// Copies up to `buffer.count` bytes starting at `offset`; returns how many (0 at the end).
    func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// Media bytes already in memory (tests, small recordings).
public final class MemoryByteSource: MediaByteSource {
    private let bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var size: Int64 { Int64(bytes.count) }

    public func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard offset >= 0, offset < Int64(bytes.count) else { return 0 }
        let count = min(buffer.count, bytes.count - Int(offset))
        bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[Int(offset)..<Int(offset) + count])) }
        return count
    }
}

/// Media bytes in a plain file (a `--media` output read back, or a decrypted spool file).
public final class FileByteSource: MediaByteSource {
    private let descriptor: FileDescriptor
    public let size: Int64

    public init(path: String) throws(ProctorError) {
        descriptor = try FileDescriptor(opening: path, O_RDONLY, "cannot open the media file \(path)")
        size = try descriptor.status("cannot read the media file \(path)").size
    }

    public func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try descriptor.read(into: buffer, at: offset, "reading the media file \(descriptor.path) failed")
    }
}
