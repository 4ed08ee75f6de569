import Encode
import Foundation
import ProctorModel
import Seal
import Synchronization

/// A part's recorded Matroska stream, however it is held: decrypted into a nameless temporary
/// file (`MediaSpool`, export) or left in the sealed records (`SealedPartMedia`, review).
protocol RecordedMedia: AnyObject {
    var size: Int64 { get }
    func source() throws(ProctorError) -> sending MediaByteSource
}

extension MediaSpool: RecordedMedia {}

/// The sealed bundle a reviewer is looking at, kept open with each part's content key (in
/// guarded memory, wiped when this goes away) so media records can be decrypted again on
/// request: the review app's player reads media straight from the sealed records, and nothing
/// decrypted is ever written to disk. Every record was authenticated in the verifying pass and
/// is authenticated again on each read. A few decrypted records are kept for the reads that
/// follow each other (libavformat reads 64 KiB at a time).
final class SealedBundleMedia: Sendable {
    private struct Opener: ~Copyable {
        let reader: BundleReader
        var recent: [(offset: Int, bytes: [UInt8])] = []
    }

    private let opener: Mutex<Opener>
    private static let recentRecords = 16

    init(_ reader: sending BundleReader) {
        opener = Mutex(Opener(reader: reader))
    }

    /// The Matroska bytes a media record carries.
    func matroska(_ location: RecordLocation) throws(ProctorError) -> [UInt8] {
        try opener.withLock { opener throws(ProctorError) -> [UInt8] in
            if let hit = opener.recent.first(where: { $0.offset == location.offset }) { return hit.bytes }
            let bytes = Array(try RecordingRecords.decodeMedia(try opener.reader.reopen(location)).matroska)
            opener.recent.append((location.offset, bytes))
            if opener.recent.count > Self.recentRecords { opener.recent.removeFirst() }
            return bytes
        }
    }
}

/// One part's media as an index of its sealed media records: which bytes of the stream each holds.
final class SealedPartMedia: RecordedMedia {
    struct Entry: Sendable {
        /// Offset of the record's first Matroska byte in the part's stream, and how many it holds.
        let start: Int64
        let count: Int
        let location: RecordLocation
    }

    private let bundle: SealedBundleMedia
    private let entries: [Entry]
    let size: Int64

    init(_ bundle: SealedBundleMedia, entries: [Entry]) {
        self.bundle = bundle
        self.entries = entries
        size = entries.last.map { $0.start + Int64($0.count) } ?? 0
    }

    func source() throws(ProctorError) -> sending MediaByteSource {
        SealedMediaSource(bundle, entries: entries, size: size)
    }
}

/// Random access over a part's sealed media records, decrypting only the records a read touches.
final class SealedMediaSource: MediaByteSource {
    private let bundle: SealedBundleMedia
    private let entries: [SealedPartMedia.Entry]
    let size: Int64

    init(_ bundle: SealedBundleMedia, entries: [SealedPartMedia.Entry], size: Int64) {
        self.bundle = bundle
        self.entries = entries
        self.size = size
    }

    func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard offset >= 0, offset < size, buffer.count > 0 else { return 0 }
        // The last record starting at or before `offset`.
        var low = 0, high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[mid].start <= offset { low = mid + 1 } else { high = mid }
        }
        var index = low - 1, position = offset, copied = 0
        while copied < buffer.count, index < entries.count {
            let entry = entries[index]
            let bytes = try bundle.matroska(entry.location)
            guard bytes.count == entry.count else {
                throw ProctorError(.verification, "media record \(entry.location.index) changed length after it was verified")
            }
            let from = Int(position - entry.start), length = min(bytes.count - from, buffer.count - copied)
            bytes.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(rebasing: buffer[copied..<(copied + length)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[from..<(from + length)]))
            }
            copied += length
            position += Int64(length)
            index += 1
        }
        return copied
    }
}
