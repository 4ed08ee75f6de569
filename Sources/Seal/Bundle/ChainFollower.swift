import Foundation
import ProctorModel

/// Follows a bundle file while it is being written and reports its latest record boundary
/// (`ChainPoint`), hashing each byte once: what the checkpoint sender signs every few seconds.
/// It reads only the framing a keyless reader reads (docs/bundle-format.md, Reading), never a
/// payload's meaning, and stops at anything it cannot frame (the final record, a torn unit),
/// waiting for more bytes there.
package final class ChainFollower {
    private let file: FileDescriptor
    private let path: String
    private var offset = 0
    private var hasher = SHA256.Incremental()
    private var recipients: Int?
    private var inPart = false
    private var part: UInt32 = 0
    private var records: UInt64 = 0
    private var partKey: [UInt8] = []
    private var finished = false
    private(set) package var last: ChainPoint?

    package init(url: URL) throws(ProctorError) {
        path = url.path
        file = try FileDescriptor(opening: url.path, O_RDONLY | O_CLOEXEC, "open \(url.path) to follow it")
    }

    /// Consumes every complete unit written since the last call; the latest boundary, if any.
    @discardableResult
    package func advance() throws(ProctorError) -> ChainPoint? {
        while !finished, try step() {}
        return last
    }

    /// One unit, or false when the next one is not complete yet.
    private func step() throws(ProctorError) -> Bool {
        guard let recipients else { return try readSessionHeader() }
        if !inPart {
            let size = BundleFormat.partHeaderByteCount(recipients: recipients)
            guard let header = try read(size) else { return false }
            guard Array(header[0..<4]) == BundleFormat.partMagic else {
                // The final record (0x7F) or anything else ends what a live follower reports.
                finished = true
                return false
            }
            part = header[4..<8].enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * $1.offset) }
            partKey = Array(header[8..<40])
            consume(header)
            inPart = true
            records = 0
            return true
        }
        guard let frame = try read(BundleFormat.frameHeaderByteCount) else { return false }
        let length = frame[2..<6].enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * $1.offset) }
        let check = frame[6..<10].enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * $1.offset) }
        guard check == ~length, Int(length) <= BundleFormat.maxSealedByteCount else {
            throw ProctorError(.verification, "\(path): the record at byte \(offset) has a damaged length; checkpoints stop here")
        }
        guard let unit = try read(BundleFormat.frameHeaderByteCount + Int(length)) else { return false }
        consume(unit)
        records += 1
        last = ChainPoint(part: part, records: records, offset: offset, chain: hasher.copy().finalize(), partSigningKey: partKey)
        if frame[1] & BundleFormat.lastInPartFlag != 0 { inPart = false }
        return true
    }

    private func readSessionHeader() throws(ProctorError) -> Bool {
        guard let preamble = try read(BundleFormat.sessionPreambleByteCount) else { return false }
        let length = Int(preamble[10..<14].enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * $1.offset) })
        guard Array(preamble[0..<8]) == BundleFormat.magic, length <= BundleFormat.maxSessionBodyByteCount else {
            throw ProctorError(.badData, "\(path) is not a proctor bundle")
        }
        guard let header = try read(BundleFormat.sessionPreambleByteCount + length) else { return false }
        let version = UInt16(header[8]) | UInt16(header[9]) << 8
        guard let body = BundleFormat.decodeSessionBody(Array(header[14...]), version: version) else {
            throw ProctorError(.badData, "\(path): the session header does not parse")
        }
        consume(header)
        recipients = body.recipients.count
        return true
    }

    private func consume(_ bytes: [UInt8]) {
        hasher.update(bytes)
        offset += bytes.count
    }

    /// `count` bytes from the current offset, or nil when the file does not hold them yet.
    /// Positional: looking at a unit does not consume it.
    private func read(_ count: Int) throws(ProctorError) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        // Array's closure only rethrows untyped errors; the one inside is a ProctorError.
        var result: Result<Int, ProctorError> = .success(0)
        buffer.withUnsafeMutableBytes { raw in
            do throws(ProctorError) { result = .success(try file.read(into: raw, at: Int64(offset), "read \(path)")) } catch { result = .failure(error) }
        }
        return try result.get() == count ? buffer : nil
    }
}
