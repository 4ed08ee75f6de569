import Foundation
import ProctorModel
import Seal

/// What a recording has sealed so far, sent to the server every few seconds while it runs and
/// signed with the part's own signing key (the one its part header carries). The server keeps
/// each with the time it arrived; on upload every held checkpoint must be a prefix of the
/// bundle: the running SHA-256 at record `recordCount` of `part` must equal `chain`.
public struct Checkpoint: SignedWire {
    public static let signatureContext = "proctor-checkpoint-v1"
    public static let noun = "the checkpoint"
    public static let version: UInt8 = 1

    public var attemptId: String
    /// SHA-256 of the signed ticket this attempt runs under.
    public var ticketDigest: [UInt8]
    public var part: UInt32
    /// 0, 1, 2, ... over the whole attempt (across parts): a gap is a lost checkpoint, a
    /// repeat with other content a fork.
    public var sequence: UInt64
    /// Complete records of `part` sealed so far.
    public var recordCount: UInt64
    /// SHA-256 of every byte of the bundle file before byte `sealedBytes`: the keyless
    /// reader's running hash at the end of record `recordCount - 1` of `part` (docs/server.md).
    public var chain: [UInt8]
    /// Media-clock time of the last sealed media, in microseconds.
    public var mediaTimeMicros: UInt64
    /// File length that `chain` covers.
    public var sealedBytes: UInt64
    /// The part's Ed25519 public key: carried by the first checkpoint of each part, nil after.
    public var partSigningKey: [UInt8]?

    public init(attemptId: String, ticketDigest: [UInt8], part: UInt32, sequence: UInt64, recordCount: UInt64,
                chain: [UInt8], mediaTimeMicros: UInt64, sealedBytes: UInt64, partSigningKey: [UInt8]?) {
        self.attemptId = attemptId
        self.ticketDigest = ticketDigest
        self.part = part
        self.sequence = sequence
        self.recordCount = recordCount
        self.chain = chain
        self.mediaTimeMicros = mediaTimeMicros
        self.sealedBytes = sealedBytes
        self.partSigningKey = partSigningKey
    }

    package func encodeFields(into writer: inout WireWriter) {
        writer.str(attemptId)
        writer.fixed(ticketDigest)
        writer.u32(part)
        writer.u64(sequence)
        writer.u64(recordCount)
        writer.fixed(chain)
        writer.u64(mediaTimeMicros)
        writer.u64(sealedBytes)
        if let partSigningKey {
            writer.u8(1)
            writer.fixed(partSigningKey)
        } else {
            writer.u8(0)
        }
    }

    package static func decodeFields(from reader: inout WireReader) throws(ProctorError) -> Checkpoint {
        let attempt = try reader.str("attempt id")
        let ticket = try reader.fixed(SHA256.byteCount)
        let part = try reader.u32()
        let sequence = try reader.u64()
        let records = try reader.u64()
        let chain = try reader.fixed(SHA256.byteCount)
        let media = try reader.u64()
        let sealed = try reader.u64()
        let key = try reader.flag("the part-key flag") ? try reader.fixed(SigningKey.publicKeyBytes) : nil
        return Checkpoint(attemptId: attempt, ticketDigest: ticket, part: part, sequence: sequence, recordCount: records,
                          chain: chain, mediaTimeMicros: media, sealedBytes: sealed, partSigningKey: key)
    }
}

extension Checkpoint {
    /// Signed by the part key of the bundle being written: what a recording sends.
    package func signed(byPartOf writer: BundleWriter) throws(ProctorError) -> [UInt8] {
        let body = self.body
        return body + (try writer.signWithPartKey(Self.signedMessage(body)))
    }

    /// The checkpoint for a record boundary of the bundle being written.
    package init(_ point: ChainPoint, attemptId: String, ticketDigest: [UInt8], sequence: UInt64,
                 mediaTimeMicros: UInt64, carriesPartKey: Bool) {
        self.init(attemptId: attemptId, ticketDigest: ticketDigest, part: point.part, sequence: sequence,
                  recordCount: point.records, chain: point.chain, mediaTimeMicros: mediaTimeMicros,
                  sealedBytes: UInt64(point.offset), partSigningKey: carriesPartKey ? point.partSigningKey : nil)
    }
}
