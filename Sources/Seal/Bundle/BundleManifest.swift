/// What the signed final record states about the whole bundle. Everything in it can be recomputed
/// from the file without a key, so a keyless verifier checks it line by line.
public struct BundleManifest: Sendable, Equatable {
    public struct Part: Sendable, Equatable {
        /// Sealed records in the part, its part-end record included.
        public var records: UInt64
        /// False for a part that ended abruptly (no part-end record: a crash).
        public var ended: Bool
    }

    public struct Totals: Sendable, Equatable {
        public var records: UInt64 = 0
        /// Plaintext bytes (sealed bytes minus one 16-byte tag per record).
        public var payloadBytes: UInt64 = 0
        /// Bytes of ciphertext and tags as stored.
        public var sealedBytes: UInt64 = 0
    }

    public var parts: [Part] = []
    public var totals: [RecordType: Totals] = [:]
    /// Media duration in seconds as the recorder reported it (stored in whole microseconds).
    public var mediaDuration: Double = 0
    /// SHA-256 of every byte of the file before the final record.
    public var fileSHA256: [UInt8] = []

    public var recordCount: UInt64 { parts.reduce(0) { $0 + $1.records } }

    mutating func count(_ type: RecordType, sealedLength: Int) {
        parts[parts.count - 1].records += 1
        var tally = totals[type, default: Totals()]
        tally.records += 1
        tally.sealedBytes += UInt64(sealedLength)
        tally.payloadBytes += UInt64(sealedLength - BundleCipher.tagByteCount)
        totals[type] = tally
    }

    func encoded() -> [UInt8] {
        var builder = ByteBuilder()
        builder.append(UInt32(parts.count))
        for part in parts {
            builder.append(part.records)
            builder.append(UInt8(part.ended ? 1 : 0))
        }
        builder.append(UInt8(totals.count))
        for (type, tally) in totals.sorted(by: { $0.key < $1.key }) {
            builder.append(type.rawValue)
            builder.append(tally.records)
            builder.append(tally.payloadBytes)
            builder.append(tally.sealedBytes)
        }
        builder.append(UInt64((max(0, mediaDuration) * 1_000_000).rounded()))
        builder.append(fileSHA256)
        return builder.bytes
    }

    static func decode(_ bytes: [UInt8]) -> BundleManifest? {
        var parser = ByteParser(bytes)
        var manifest = BundleManifest()
        guard let partCount = parser.u32(), Int(partCount) <= bytes.count / 9 else { return nil }
        for _ in 0..<partCount {
            guard let records = parser.u64(), let ended = parser.u8(), ended <= 1 else { return nil }
            manifest.parts.append(Part(records: records, ended: ended == 1))
        }
        guard let typeCount = parser.u8() else { return nil }
        var previous: UInt8?
        for _ in 0..<typeCount {
            guard let code = parser.u8(), previous.map({ code > $0 }) ?? true,
                  let records = parser.u64(), let payload = parser.u64(), let sealed = parser.u64() else { return nil }
            previous = code
            manifest.totals[RecordType(rawValue: code)] = Totals(records: records, payloadBytes: payload, sealedBytes: sealed)
        }
        guard let micros = parser.u64(), let fileHash = parser.bytes(SHA256.byteCount), parser.isAtEnd else { return nil }
        manifest.mediaDuration = Double(micros) / 1_000_000
        manifest.fileSHA256 = fileHash
        return manifest
    }
}
