import Foundation
import ProctorModel

/// Byte-level constants and layouts of format version 1 (docs/bundle-format.md is the spec;
/// every number here appears there).
package enum BundleFormat {
    package static let magic: [UInt8] = Array("PROCTOR".utf8) + [0x1A]
    static let version: UInt16 = 1
    /// Version 2 is version 1 plus the attempt ticket after the recipients; it is written only
    /// when a collection server issued one, so every other bundle stays version 1, byte for byte.
    static let ticketVersion: UInt16 = 2
    static let readableVersions: ClosedRange<UInt16> = 1...2
    /// A signed ticket is about 200 bytes; its strings are bounded by the wire format.
    static let maxTicketByteCount = 8192
    /// magic, version u16, session-header body length u32.
    static let sessionPreambleByteCount = 14
    static let maxSessionBodyByteCount = 1 << 20
    static let maxStringByteCount = 1024
    static let maxRecipients = 32
    static let keyWrapSealedBox: UInt8 = 1
    static let signatureEd25519: UInt8 = 1
    static let hashSHA256: UInt8 = 1

    static let partMagic: [UInt8] = Array("PART".utf8)
    /// The first byte of a part header, so never a record type.
    static let partMarker: UInt8 = 0x50
    static let wrappedKeyByteCount = BundleCipher.keyByteCount + SealedBox.overhead
    /// "PART", part number u32, signing key, preceding hash (wrapped keys and tag follow).
    static let partFixedByteCount = 4 + 4 + 32 + 32

    /// type u8, flags u8, length u32, ~length u32.
    static let frameHeaderByteCount = 10
    /// Flag bit 0: the last sealed record of a part (the part-end record).
    static let lastInPartFlag: UInt8 = 0x01
    /// Largest sealed length (payload + tag): bounds what a reader allocates for arbitrary input.
    static let maxPayloadByteCount = 64 << 20
    static let maxSealedByteCount = maxPayloadByteCount + BundleCipher.tagByteCount

    static let finalSignatureDomain: [UInt8] = Array("proctor-bundle-final-v1".utf8)
    static let maxFinalBodyByteCount = 1 << 16

    static func partHeaderByteCount(recipients: Int) -> Int {
        partFixedByteCount + recipients * wrappedKeyByteCount + BundleCipher.tagByteCount
    }

    /// Record `index` of a part: the index little-endian, zero-padded. The part header's tag uses
    /// the nonce with every padding byte 0xFF, which no record index produces.
    static func nonce(record index: UInt64, cipher: BundleCipher) -> [UInt8] {
        var bytes: [UInt8] = []
        nonce(record: index, cipher: cipher, into: &bytes)
        return bytes
    }

    /// The same into `nonce`'s storage, reused from record to record: the sealing path allocates
    /// nothing per record (so do `additionalData` and `frameHeader` with `into:`).
    static func nonce(record index: UInt64, cipher: BundleCipher, into nonce: inout [UInt8]) {
        if nonce.count != cipher.nonceByteCount { nonce = [UInt8](repeating: 0, count: cipher.nonceByteCount) }
        for byte in 0..<8 { nonce[byte] = UInt8(truncatingIfNeeded: index >> (8 * UInt64(byte))) }
    }

    static func headerTagNonce(cipher: BundleCipher) -> [UInt8] {
        [UInt8](repeating: 0, count: 8) + [UInt8](repeating: 0xFF, count: cipher.nonceByteCount - 8)
    }

    /// What each sealed record's tag binds besides its bytes: which bundle and part (the part
    /// hash chains every earlier byte), where in the part, what type, and whether it is last.
    static func additionalData(partHash: [UInt8], part: UInt32, index: UInt64, type: RecordType, flags: UInt8) -> [UInt8] {
        var bytes: [UInt8] = []
        additionalData(partHash: partHash, part: part, index: index, type: type, flags: flags, into: &bytes)
        return bytes
    }

    static func additionalData(partHash: [UInt8], part: UInt32, index: UInt64, type: RecordType, flags: UInt8, into bytes: inout [UInt8]) {
        var builder = ByteBuilder(reusing: &bytes)
        builder.append(partHash)
        builder.append(part)
        builder.append(index)
        builder.append(type.rawValue)
        builder.append(flags)
        builder.finish(into: &bytes)
    }

    static func frameHeader(type: RecordType, flags: UInt8, sealedLength: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        frameHeader(type: type, flags: flags, sealedLength: sealedLength, into: &bytes)
        return bytes
    }

    static func frameHeader(type: RecordType, flags: UInt8, sealedLength: Int, into bytes: inout [UInt8]) {
        var builder = ByteBuilder(reusing: &bytes)
        builder.append(type.rawValue)
        builder.append(flags)
        builder.append(UInt32(sealedLength))
        builder.append(~UInt32(sealedLength))
        builder.finish(into: &bytes)
    }

    static func encodeSessionHeader(_ header: BundleHeader) throws(ProctorError) -> [UInt8] {
        var body = ByteBuilder()
        body.append(header.cipher.rawValue)
        body.append(keyWrapSealedBox)
        body.append(signatureEd25519)
        body.append(hashSHA256)
        try body.appendString(header.examId, field: "exam id")
        guard header.examFileSHA256.count == SHA256.byteCount else {
            throw ProctorError(.badData, "the exam file digest must be a \(SHA256.byteCount)-byte SHA-256")
        }
        body.append(header.examFileSHA256)
        try body.appendString(header.studentId, field: "student id")
        try body.appendString(header.sessionId, field: "session id")
        body.append(UInt64(bitPattern: Int64((header.startTime.timeIntervalSince1970 * 1000).rounded())))
        guard (1...maxRecipients).contains(header.recipients.count) else {
            throw ProctorError(.usage, "a bundle needs between 1 and \(maxRecipients) recipients, not \(header.recipients.count)")
        }
        body.append(UInt8(header.recipients.count))
        for recipient in header.recipients {
            guard recipient.publicKey.count == BoxKeys.publicKeyBytes else {
                throw ProctorError(.badData, "recipient '\(recipient.name)' has a \(recipient.publicKey.count)-byte key; X25519 keys are 32 bytes")
            }
            body.append(recipient.publicKey)
            try body.appendString(recipient.name, field: "recipient name")
        }
        if let ticket = header.attemptTicket {
            guard (1...maxTicketByteCount).contains(ticket.count) else {
                throw ProctorError(.badData, "an attempt ticket must be 1 to \(maxTicketByteCount) bytes, not \(ticket.count)")
            }
            body.append(UInt32(ticket.count))
            body.append(ticket)
        }
        var out = ByteBuilder()
        out.append(magic)
        out.append(header.attemptTicket == nil ? version : ticketVersion)
        out.append(UInt32(body.bytes.count))
        out.append(body.bytes)
        return out.bytes
    }

    /// Parses a session-header body (everything after the 14-byte preamble) that must be consumed exactly.
    static func decodeSessionBody(_ body: [UInt8], version: UInt16 = version) -> BundleHeader? {
        var parser = ByteParser(body)
        guard let cipherCode = parser.u8(), let cipher = BundleCipher(rawValue: cipherCode),
              parser.u8() == keyWrapSealedBox, parser.u8() == signatureEd25519, parser.u8() == hashSHA256,
              let examId = parser.string(), let examHash = parser.bytes(SHA256.byteCount),
              let studentId = parser.string(), let sessionId = parser.string(), let millis = parser.u64(),
              let count = parser.u8(), (1...maxRecipients).contains(Int(count)) else { return nil }
        var recipients: [BundleRecipient] = []
        for _ in 0..<count {
            guard let key = parser.bytes(BoxKeys.publicKeyBytes), let name = parser.string() else { return nil }
            recipients.append(BundleRecipient(name: name, publicKey: key))
        }
        var ticket: [UInt8]?
        if version == ticketVersion {
            guard let length = parser.u32(), (1...UInt32(maxTicketByteCount)).contains(length),
                  let bytes = parser.bytes(Int(length)) else { return nil }
            ticket = bytes
        }
        guard parser.isAtEnd else { return nil }
        let start = Date(timeIntervalSince1970: Double(Int64(bitPattern: millis)) / 1000)
        var header = BundleHeader(examId: examId, examFileSHA256: examHash, studentId: studentId, sessionId: sessionId,
                                  startTime: start, recipients: recipients, cipher: cipher)
        header.attemptTicket = ticket
        return header
    }
}

/// Little-endian serialisation into a growing byte array.
struct ByteBuilder {
    private(set) var bytes: [UInt8] = []

    init() {}

    /// Builds into `storage`'s buffer (emptied, capacity kept); `finish(into:)` hands it back.
    init(reusing storage: inout [UInt8]) {
        swap(&bytes, &storage)
        bytes.removeAll(keepingCapacity: true)
    }

    mutating func finish(into storage: inout [UInt8]) {
        swap(&bytes, &storage)
    }

    mutating func append(_ value: UInt8) { bytes.append(value) }
    mutating func append(_ value: [UInt8]) { bytes.append(contentsOf: value) }
    mutating func append(_ value: UInt16) { appendLittleEndian(UInt64(value), count: 2) }
    mutating func append(_ value: UInt32) { appendLittleEndian(UInt64(value), count: 4) }
    mutating func append(_ value: UInt64) { appendLittleEndian(value, count: 8) }

    mutating func appendString(_ string: String, field: String) throws(ProctorError) {
        let utf8 = Array(string.utf8)
        guard utf8.count <= BundleFormat.maxStringByteCount else {
            throw ProctorError(.usage, "the \(field) is longer than \(BundleFormat.maxStringByteCount) bytes")
        }
        append(UInt16(utf8.count))
        append(utf8)
    }

    private mutating func appendLittleEndian(_ value: UInt64, count: Int) {
        for byte in 0..<count { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(byte)))) }
    }
}

/// Bounds-checked little-endian reads: every accessor returns nil instead of reading past the end,
/// which is what keeps the reader crash-free on arbitrary bytes.
struct ByteParser {
    private let bytes: [UInt8]
    private(set) var position = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { position == bytes.count }

    mutating func bytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, bytes.count - position >= count else { return nil }
        defer { position += count }
        return Array(bytes[position..<position + count])
    }

    mutating func u8() -> UInt8? { bytes(1).map { $0[0] } }
    mutating func u16() -> UInt16? { littleEndian(2).map { UInt16($0) } }
    mutating func u32() -> UInt32? { littleEndian(4).map { UInt32($0) } }
    mutating func u64() -> UInt64? { littleEndian(8) }

    mutating func string() -> String? {
        guard let length = u16(), Int(length) <= BundleFormat.maxStringByteCount, let utf8 = bytes(Int(length)) else { return nil }
        return String(validating: utf8, as: UTF8.self)
    }

    private mutating func littleEndian(_ count: Int) -> UInt64? {
        guard let raw = bytes(count) else { return nil }
        return raw.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }
}
