import Foundation
import ProctorModel

/// One sealed record as read back. `payload` is the plaintext when the reader has a key.
public struct BundleRecord: Sendable {
    public let part: UInt32
    public let index: UInt64
    public let type: RecordType
    /// Byte offset of the record's frame.
    public let offset: Int
    public let sealedLength: Int
    public let payload: [UInt8]?

    /// Where the record is, without its plaintext: enough to open it again (`BundleReader.reopen`).
    public var location: RecordLocation { RecordLocation(part: part, index: index, type: type, offset: offset, sealedLength: sealedLength) }
}

/// A record's place in its bundle, kept instead of its plaintext by readers that come back to it.
public struct RecordLocation: Sendable, Equatable {
    public let part: UInt32
    public let index: UInt64
    public let type: RecordType
    public let offset: Int
    public let sealedLength: Int
}

/// Reads a bundle front to back in bounded memory (one record at a time). Without a key it checks
/// structure, the header hash chain, the final signature and the manifest; with a recipient's key
/// it also decrypts and authenticates every record. Never crashes on arbitrary bytes: every
/// problem becomes a `BundleFailure` naming the header or record and its byte offset.
public final class BundleReader {
    public let header: BundleHeader
    /// Reports the media time (seconds) a record's plaintext ends at, if it carries one; used to
    /// say where an abruptly ended part stopped. The recording module supplies it.
    public var mediaClock: (@Sendable (RecordType, [UInt8]) -> Double?)?

    public private(set) var abruptEnds: [AbruptEnd] = []
    /// Where a final record that the file ends inside starts: its bytes authenticate nothing.
    public private(set) var tornFinalRecord: Int?
    /// Set once the final record has been verified.
    public private(set) var manifest: BundleManifest?
    public var fileSize: Int { source.size }

    private enum State { case expectPart, inPart, partEnded, finished, done }

    private let source: any ByteSource
    private let key: BundleKey?
    private let recipientIndex: Int?
    private var state = State.expectPart
    private var offset: Int
    /// SHA-256 of every complete unit read so far: bytes [0, offset).
    private var hasher = SHA256.Incremental()
    private var observed = BundleManifest()
    private var partNumber: UInt32 = 0
    private var partHash: [UInt8] = []
    private var signingKey: [UInt8] = []
    private var cipher: ContentCipher?
    /// With `retainsPartKeys`: each part's cipher and header hash, so `reopen` can open one of
    /// its records again. Otherwise a part's key is wiped as soon as the part ends.
    public var retainsPartKeys = false
    private var partKeys: [UInt32: (cipher: ContentCipher, partHash: [UInt8])] = [:]
    /// With `skippedTypes`: the page of the file the next frame headers are read from.
    private var page: [UInt8] = []
    private var pageOffset = 0
    private var window = BundleReader.pageByteCount
    private static let pageByteCount = 4096
    private static let maxWindowByteCount = 65536
    /// Records of these types are framed and counted (their length fields checked, the file
    /// walked past them) but neither read, hashed nor decrypted: their `payload` is nil. For a
    /// first look at a long bundle (the review app's class list) that needs its timeline but
    /// not its media. Skipping breaks the running hash, so a reader that skipped anything
    /// cannot check the preceding hashes or the final record's file SHA-256: it has not verified
    /// the bundle (`hasSkipped`), only what it did decrypt. Set before the first `next()`.
    public var skippedTypes: Set<RecordType> = [] {
        didSet { if !skippedTypes.isEmpty { source.expectSparseReads() } }
    }
    /// Some record was skipped (`skippedTypes`): the hash chain and the skipped records are
    /// unchecked, and `chainValue` is not the file's SHA-256.
    public private(set) var hasSkipped = false
    private var recordIndex: UInt64 = 0
    private var lastMediaTime: Double?
    private var failure: BundleFailure?

    /// Opens a bundle file. With `key`, fails with a `.key` error if the bundle was not sealed
    /// for it (unless the header was tampered with, which is reported as such).
    public convenience init(contentsOf url: URL, key: BundleKey? = nil) throws(ProctorError) {
        let source: FileSource
        do { source = try FileSource(path: url.path) } catch { throw error }
        do { try self.init(source: source, key: key) } catch { throw error.sessionError }
    }

    /// Reads a bundle held in memory (tests, fuzzing).
    public convenience init(bytes: [UInt8], key: BundleKey? = nil) throws(ProctorError) {
        do { try self.init(source: MemorySource(bytes: bytes), key: key) } catch { throw error.sessionError }
    }

    init(source: any ByteSource, key: BundleKey?) throws(BundleFailure) {
        self.source = source
        self.key = key
        let preamble = try Self.read(source, at: 0, count: BundleFormat.sessionPreambleByteCount)
        guard preamble.count >= BundleFormat.magic.count, Array(preamble[0..<8]) == BundleFormat.magic else {
            throw BundleFailure(.notABundle, .sessionHeader, offset: 0, "this file is not a proctor bundle")
        }
        guard preamble.count == BundleFormat.sessionPreambleByteCount else {
            throw BundleFailure(.notABundle, .sessionHeader, offset: 0, "this bundle ends inside its header: nothing was recorded")
        }
        var parser = ByteParser(Array(preamble[8...]))
        let version = parser.u16()!, bodyLength = Int(parser.u32()!)
        guard BundleFormat.readableVersions.contains(version) else {
            throw BundleFailure(.notABundle, .sessionHeader, offset: 0,
                                "this bundle uses format version \(version); this proctor reads versions \(BundleFormat.readableVersions.lowerBound)-\(BundleFormat.readableVersions.upperBound)")
        }
        guard bodyLength <= BundleFormat.maxSessionBodyByteCount else {
            throw BundleFailure(.malformed, .sessionHeader, offset: 0, "has an impossible length (\(bodyLength) bytes)")
        }
        let body = try Self.read(source, at: BundleFormat.sessionPreambleByteCount, count: bodyLength)
        guard body.count == bodyLength else {
            throw BundleFailure(.notABundle, .sessionHeader, offset: 0, "this bundle ends inside its header: nothing was recorded")
        }
        guard let header = BundleFormat.decodeSessionBody(body, version: version) else {
            throw BundleFailure(.malformed, .sessionHeader, offset: 0, "is damaged: its fields do not parse")
        }
        self.header = header
        offset = preamble.count + body.count
        hasher.update(preamble)
        hasher.update(body)
        guard let key else {
            recipientIndex = nil
            return
        }
        guard let index = header.recipients.firstIndex(where: { $0.publicKey == key.publicKey }) else {
            // A flipped bit in the recipient list also lands here: tell tampering from a wrong key.
            let keyless = try Self(source: source, key: nil).verify()
            if let failure = keyless.failure { throw failure }
            throw BundleFailure(.wrongKey, .sessionHeader, offset: 0, "this bundle was not sealed for this key")
        }
        recipientIndex = index
    }

    /// Checks and decrypts the whole bundle, catching the first failure instead of throwing.
    /// `mediaClock` as for the property of that name (e.g. `RecordingRecords.mediaTime`).
    public static func verify(contentsOf url: URL, key: BundleKey? = nil,
                              mediaClock: (@Sendable (RecordType, [UInt8]) -> Double?)? = nil) -> BundleVerification {
        var failed: BundleVerification
        do {
            let reader = try Self(source: FileSource(path: url.path), key: key)
            reader.mediaClock = mediaClock
            return reader.verify()
        } catch let error as BundleFailure {
            failed = BundleVerification(failure: error)
        } catch let error as ProctorError {
            failed = BundleVerification(failure: BundleFailure(.unreadable, .sessionHeader, offset: 0, error.message, underlying: error))
        } catch {
            failed = BundleVerification(failure: BundleFailure(.unreadable, .sessionHeader, offset: 0, "\(error)"))
        }
        // The header did not read (a file cut inside it): the size is still the file's.
        failed.fileSize = ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int) ?? 0
        return failed
    }

    /// The fuzzing entry point: any bytes in, a verdict out, never a crash.
    public static func verify(bytes: [UInt8], key: BundleKey? = nil) -> BundleVerification {
        do {
            return try Self(source: MemorySource(bytes: bytes), key: key).verify()
        } catch {
            return BundleVerification(failure: error)
        }
    }

    /// Reads to the end; the first failure stops reading and is returned in the result.
    public func verify() -> BundleVerification {
        var result = BundleVerification(header: header, decrypted: key != nil, fileSize: source.size)
        do {
            while try step() != nil {}
        } catch {
            result.failure = error
        }
        result.parts = observed.parts
        result.totals = observed.totals
        result.abruptEnds = abruptEnds
        result.tornFinalRecord = tornFinalRecord
        result.isFinished = manifest != nil
        result.mediaDuration = manifest?.mediaDuration
        return result
    }

    /// The next sealed record (part-end records included), or nil at the end of the bundle.
    /// Throws `.verification` at the first altered or misplaced byte, `.badData` for non-bundles.
    public func next() throws(ProctorError) -> BundleRecord? {
        do { return try step() } catch { throw error.sessionError }
    }

    // MARK: - The state machine

    func step() throws(BundleFailure) -> BundleRecord? {
        if let failure { throw failure }
        do {
            return try advance()
        } catch {
            failure = error
            state = .done
            throw error
        }
    }

    private func advance() throws(BundleFailure) -> BundleRecord? {
        while true {
            switch state {
            case .done:
                return nil
            case .finished:
                guard offset == source.size else {
                    throw BundleFailure(.malformed, .afterFinalRecord, offset: offset, "should not exist: \(source.size - offset) bytes follow the signed end")
                }
                state = .done
            case .expectPart:
                guard offset < source.size else {
                    noteAbruptEnd()
                    state = .done
                    return nil
                }
                guard try readPartHeader() else { return nil }
            case .inPart, .partEnded:
                guard offset < source.size else {
                    if state == .inPart { noteAbruptEnd() }
                    state = .done
                    return nil
                }
                // A record's frame header is read once, here: its first byte tells the unit apart.
                let head = try frameHeader(at: offset)
                let first = head[head.startIndex]
                if first == BundleFormat.partMarker {
                    if state == .inPart { noteAbruptEnd() }
                    partNumber += 1
                    guard try readPartHeader() else { return nil }
                } else if first == RecordType.final.rawValue {
                    guard state == .partEnded else {
                        throw BundleFailure(.malformed, .finalRecord, offset: offset, "follows part \(partNumber), which has no part-end record")
                    }
                    guard try readFinalRecord() else { return nil }
                } else {
                    guard state == .inPart else {
                        throw BundleFailure(.malformed, .record(part: partNumber, index: recordIndex), offset: offset,
                                            "follows the part-end record of part \(partNumber)")
                    }
                    return try readRecord(frame: head)
                }
            }
        }
    }

    /// false: the file ends inside the header (a crash while starting a part).
    private func readPartHeader() throws(BundleFailure) -> Bool {
        let start = offset
        let location = BundleFailure.Location.partHeader(part: partNumber)
        let length = BundleFormat.partHeaderByteCount(recipients: header.recipients.count)
        let bytes = try Self.read(source, at: start, count: length)
        guard bytes.count == length else {
            // A part whose header never got written completely: nothing of it is readable, and
            // a resume overwrites it, so it is reported but not counted as a part.
            recordIndex = 0
            lastMediaTime = nil
            state = .inPart
            noteAbruptEnd()
            state = .done
            return false
        }
        var parser = ByteParser(bytes)
        guard parser.bytes(4) == BundleFormat.partMagic else {
            throw BundleFailure(.malformed, location, offset: start, "does not start with \"PART\"")
        }
        let number = parser.u32()!
        guard number == partNumber else {
            throw BundleFailure(.tampered, location, offset: start, "says it is part \(number): parts were removed or reordered")
        }
        let signingKey = parser.bytes(Signing.publicKeyBytes)!
        let precedingHash = parser.bytes(SHA256.byteCount)!
        let wrapped = bytes[BundleFormat.partFixedByteCount..<(length - BundleCipher.tagByteCount)]
        if let key, let recipientIndex {
            let from = wrapped.startIndex + recipientIndex * BundleFormat.wrappedKeyByteCount
            let name = header.recipients[recipientIndex].name
            guard let contentKey = SealedBox.open(wrapped[from..<(from + BundleFormat.wrappedKeyByteCount)],
                                                  publicKey: key.publicKey, secretKey: key.secretKey) else {
                throw BundleFailure(.tampered, location, offset: start, "was altered: the content key sealed for '\(name)' does not open")
            }
            let cipher: ContentCipher
            do { cipher = try ContentCipher(header.cipher, key: contentKey) } catch {
                throw BundleFailure(.unreadable, location, offset: start, error.message, underlying: error)
            }
            let authenticated = bytes.withUnsafeBytes { raw in
                cipher.open(UnsafeRawBufferPointer(rebasing: raw[(length - BundleCipher.tagByteCount)...]),
                            nonce: BundleFormat.headerTagNonce(cipher: header.cipher),
                            additionalData: Array(bytes[0..<(length - BundleCipher.tagByteCount)]),
                            into: UnsafeMutableRawPointer(mutating: raw.baseAddress!))
            }
            guard authenticated else {
                throw BundleFailure(.tampered, location, offset: start, "was altered: its authentication tag does not match")
            }
            self.cipher = cipher
        }
        guard hasSkipped || precedingHash == hasher.copy().finalize() else {
            if partNumber == 0 {
                // With a key the header tag has just vouched for part 0's header, so the session
                // header changed; without one, either of the two may have (docs/bundle-format.md).
                throw BundleFailure(.tampered, .sessionHeader, offset: 0, key == nil
                    ? "was altered, or the hash of it recorded in part 0 (byte \(start)) was: they no longer match"
                    : "was altered: it does not match the hash recorded in part 0")
            }
            throw BundleFailure(.tampered, location, offset: start, "records a hash of the bytes before it that does not match: something before byte \(start) was altered")
        }
        hasher.update(bytes)
        partHash = SHA256.hash(bytes)
        if retainsPartKeys, let cipher { partKeys[partNumber] = (cipher, partHash) }
        self.signingKey = signingKey
        offset = start + length
        recordIndex = 0
        lastMediaTime = nil
        observed.parts.append(BundleManifest.Part(records: 0, ended: false))
        state = .inPart
        return true
    }

    /// nil: the file ends inside this record (the torn write of a crash).
    /// The (up to 10) bytes at `offset`. When records are skipped, read through a window that
    /// adapts to the records' size: it doubles (up to 64 KiB) while the next header lies within
    /// one more window, so small records cost one `pread` per many records, and falls back to
    /// one page when records are larger, so their bytes are not read from disk at all (the
    /// source reads without readahead then, `expectSparseReads`).
    private func frameHeader(at offset: Int) throws(BundleFailure) -> ArraySlice<UInt8> {
        let count = BundleFormat.frameHeaderByteCount
        guard !skippedTypes.isEmpty else { return try Self.read(source, at: offset, count: count)[...] }
        let end = min(offset + count, source.size)
        if offset < pageOffset || end > pageOffset + page.count {
            let near = offset >= pageOffset && offset < pageOffset + page.count + window
            window = near ? min(2 * window, Self.maxWindowByteCount) : Self.pageByteCount
            page = try Self.read(source, at: offset, count: window)
            pageOffset = offset
        }
        return page[(offset - pageOffset)..<(end - pageOffset)]
    }

    /// `frame`: the (up to 10) bytes at the record's start, already read. Parsed by hand: this
    /// runs once per record, and a walk over a long bundle's media is nothing else.
    private func readRecord(frame: ArraySlice<UInt8>) throws(BundleFailure) -> BundleRecord? {
        let start = offset
        let location = BundleFailure.Location.record(part: partNumber, index: recordIndex)
        guard frame.count == BundleFormat.frameHeaderByteCount else { return tornRecord() }
        let at = frame.startIndex
        func u32(_ index: Int) -> UInt32 {
            UInt32(frame[index]) | UInt32(frame[index + 1]) << 8 | UInt32(frame[index + 2]) << 16 | UInt32(frame[index + 3]) << 24
        }
        let type = RecordType(rawValue: frame[at]), flags = frame[at + 1]
        let length = u32(at + 2), check = u32(at + 6)
        guard check == ~length else {
            throw BundleFailure(.malformed, location, offset: start, "has a damaged length field")
        }
        guard type.isPayload || type == .partEnd else {
            throw BundleFailure(.malformed, location, offset: start, "has type code 0x\(String(type.rawValue, radix: 16)), which is not a record type")
        }
        guard flags == (type == .partEnd ? BundleFormat.lastInPartFlag : 0) else {
            throw BundleFailure(.malformed, location, offset: start, "has flags 0x\(String(flags, radix: 16)), which do not match its type \(type)")
        }
        guard (BundleCipher.tagByteCount...BundleFormat.maxSealedByteCount).contains(Int(length)) else {
            throw BundleFailure(.malformed, location, offset: start, "has an impossible length (\(length) bytes)")
        }
        if type.isPayload, skippedTypes.contains(type) {
            guard start + frame.count + Int(length) <= source.size else { return tornRecord() }
            hasSkipped = true
            observed.count(type, sealedLength: Int(length))
            offset = start + frame.count + Int(length)
            defer { recordIndex += 1 }
            return BundleRecord(part: partNumber, index: recordIndex, type: type, offset: start, sealedLength: Int(length), payload: nil)
        }
        let sealed = try Self.read(source, at: start + frame.count, count: Int(length))
        guard sealed.count == Int(length) else { return tornRecord() }
        var payload: [UInt8]?
        if let cipher {
            var plaintext = [UInt8](repeating: 0, count: sealed.count - BundleCipher.tagByteCount)
            let additionalData = BundleFormat.additionalData(partHash: partHash, part: partNumber, index: recordIndex, type: type, flags: flags)
            let authenticated = sealed.withUnsafeBytes { input in
                plaintext.withUnsafeMutableBytes { output in
                    // A zero-length output still needs a valid pointer for libsodium.
                    cipher.open(input, nonce: BundleFormat.nonce(record: recordIndex, cipher: header.cipher),
                                additionalData: additionalData, into: output.baseAddress ?? UnsafeMutableRawPointer(mutating: input.baseAddress!))
                }
            }
            guard authenticated else {
                throw BundleFailure(.tampered, location, offset: start,
                                    "failed authentication: it was altered, moved, or copied from another bundle")
            }
            if type == .partEnd {
                var count = ByteParser(plaintext)
                guard count.u64() == recordIndex, count.isAtEnd else {
                    throw BundleFailure(.malformed, location, offset: start, "is a part-end record with a wrong record count")
                }
            } else if let time = mediaClock?(type, plaintext) {
                lastMediaTime = time
            }
            payload = plaintext
        }
        frame.withUnsafeBytes { hasher.update($0) }
        hasher.update(sealed)
        observed.count(type, sealedLength: sealed.count)
        if type == .partEnd {
            observed.parts[observed.parts.count - 1].ended = true
            if !retainsPartKeys { cipher?.wipe() }
            cipher = nil
            state = .partEnded
        }
        offset = start + frame.count + sealed.count
        defer { recordIndex += 1 }
        return BundleRecord(part: partNumber, index: recordIndex, type: type, offset: start, sealedLength: sealed.count, payload: payload)
    }

    /// false: the file ends inside the final record.
    private func readFinalRecord() throws(BundleFailure) -> Bool {
        let start = offset
        let frame = try Self.read(source, at: start, count: BundleFormat.frameHeaderByteCount)
        guard frame.count == BundleFormat.frameHeaderByteCount else {
            tornFinalRecord = start
            state = .done
            return false
        }
        var parser = ByteParser(frame)
        _ = parser.u8()
        let flags = parser.u8()!, length = parser.u32()!, check = parser.u32()!
        guard check == ~length, flags == 0 else {
            throw BundleFailure(.malformed, .finalRecord, offset: start, "has a damaged frame header")
        }
        guard (Signing.signatureBytes...BundleFormat.maxFinalBodyByteCount).contains(Int(length)) else {
            throw BundleFailure(.malformed, .finalRecord, offset: start, "has an impossible length (\(length) bytes)")
        }
        let body = try Self.read(source, at: start + frame.count, count: Int(length))
        guard body.count == Int(length) else {
            tornFinalRecord = start
            state = .done
            return false
        }
        let manifestBytes = Array(body[0..<(body.count - Signing.signatureBytes)])
        let signature = Array(body[(body.count - Signing.signatureBytes)...])
        guard Signing.verify(signature, of: BundleFormat.finalSignatureDomain + partHash + manifestBytes, publicKey: signingKey) else {
            throw BundleFailure(.tampered, .finalRecord, offset: start, "has an invalid signature: the manifest or the last part header was altered")
        }
        guard let manifest = BundleManifest.decode(manifestBytes) else {
            throw BundleFailure(.malformed, .finalRecord, offset: start, "holds a manifest that does not parse")
        }
        guard hasSkipped || manifest.fileSHA256 == hasher.copy().finalize() else {
            throw BundleFailure(.tampered, .finalRecord, offset: start,
                                "does not match the bytes before it: something in bytes 0-\(start - 1) was altered after signing")
        }
        guard manifest.parts == observed.parts, manifest.totals == observed.totals else {
            throw BundleFailure(.tampered, .finalRecord, offset: start, "lists records, parts or byte totals that differ from the file")
        }
        hasher.update(frame)
        hasher.update(body)
        self.manifest = manifest
        offset = start + frame.count + body.count
        state = .finished
        return true
    }

    private func tornRecord() -> BundleRecord? {
        noteAbruptEnd()
        state = .done
        return nil
    }

    private func noteAbruptEnd() {
        guard state != .partEnded else { return }
        abruptEnds.append(AbruptEnd(part: partNumber, records: recordIndex, offset: offset, mediaTime: lastMediaTime))
    }

    private static func read(_ source: any ByteSource, at offset: Int, count: Int) throws(BundleFailure) -> [UInt8] {
        do { return try source.read(at: offset, count: count) } catch {
            throw BundleFailure(.unreadable, .sessionHeader, offset: offset, error.message, underlying: error)
        }
    }

    // MARK: - Opening a record again

    /// The plaintext of a record this reader has already read and authenticated (with
    /// `retainsPartKeys` set before reading), read from the file again and authenticated again:
    /// a byte changed since the first read is a `.verification` error, never different content.
    /// Lets a reviewer's player fetch media straight from the sealed records instead of a
    /// decrypted copy.
    public func reopen(_ record: RecordLocation) throws(ProctorError) -> [UInt8] {
        guard let keys = partKeys[record.part] else {
            throw ProctorError(.internalFailure, "part \(record.part) of the bundle was not read with its key kept")
        }
        let frameLength = BundleFormat.frameHeaderByteCount
        let bytes: [UInt8]
        do { bytes = try Self.read(source, at: record.offset, count: frameLength + record.sealedLength) } catch { throw error.sessionError }
        let flags: UInt8 = record.type == .partEnd ? BundleFormat.lastInPartFlag : 0
        guard bytes.count == frameLength + record.sealedLength, bytes[0] == record.type.rawValue, bytes[1] == flags,
              record.sealedLength >= BundleCipher.tagByteCount else {
            throw ProctorError(.verification, "record \(record.index) of part \(record.part) changed after it was verified")
        }
        var plaintext = [UInt8](repeating: 0, count: record.sealedLength - BundleCipher.tagByteCount)
        let additionalData = BundleFormat.additionalData(partHash: keys.partHash, part: record.part, index: record.index,
                                                         type: record.type, flags: flags)
        let authenticated = bytes.withUnsafeBytes { raw in
            let sealed = UnsafeRawBufferPointer(rebasing: raw[frameLength...])
            return plaintext.withUnsafeMutableBytes { output in
                keys.cipher.open(sealed, nonce: BundleFormat.nonce(record: record.index, cipher: header.cipher),
                                 additionalData: additionalData, into: output.baseAddress ?? UnsafeMutableRawPointer(mutating: sealed.baseAddress!))
            }
        }
        guard authenticated else {
            throw ProctorError(.verification, "record \(record.index) of part \(record.part) changed after it was verified: it no longer authenticates")
        }
        return plaintext
    }

    /// Wipes the keys `retainsPartKeys` kept (also done when the reader goes away).
    public func forgetPartKeys() {
        for keys in partKeys.values { keys.cipher.wipe() }
        partKeys = [:]
    }

    // MARK: - Resume support

    /// Everything a resuming writer needs: valid length, tallies and the running hash.
    var validLength: Int { offset }
    var observedManifest: BundleManifest { observed }
    func hasherCopy() -> SHA256.Incremental { hasher.copy() }

    // MARK: - Checkpoint support (docs/server.md)

    /// SHA-256 of bytes [0, `chainOffset`): the running hash a checkpoint commits to.
    package var chainValue: [UInt8] { hasher.copy().finalize() }
    package var chainOffset: Int { offset }
    /// The Ed25519 key of the part being read (from its header).
    package var currentPartSigningKey: [UInt8] { signingKey }
}
