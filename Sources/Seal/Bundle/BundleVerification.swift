import Foundation
import ProctorModel

/// Where a bundle stopped being trustworthy, precisely enough to point at the bytes.
public struct BundleFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable {
        /// Not a bundle, or a version this proctor cannot read.
        case notABundle
        /// The bytes break the format's rules (a damaged length, a record out of place).
        case malformed
        /// A tag, hash or signature does not match: something was changed after sealing.
        case tampered
        /// The key given is not one of the bundle's recipients.
        case wrongKey
        /// The file could not be read, or the cipher cannot run on this CPU.
        case unreadable
    }

    public enum Location: Sendable, Equatable, CustomStringConvertible {
        case sessionHeader
        case partHeader(part: UInt32)
        case record(part: UInt32, index: UInt64)
        case finalRecord
        case afterFinalRecord

        public var description: String {
            switch self {
            case .sessionHeader: "the session header"
            case .partHeader(let part): "the header of part \(part)"
            case .record(let part, let index): "record \(index) of part \(part)"
            case .finalRecord: "the final record"
            case .afterFinalRecord: "the bytes after the final record"
            }
        }
    }

    public let kind: Kind
    public let location: Location
    /// Byte offset of the start of the header or record that failed.
    public let offset: Int
    public let reason: String
    var underlying: ProctorError?

    init(_ kind: Kind, _ location: Location, offset: Int, _ reason: String, underlying: ProctorError? = nil) {
        self.kind = kind
        self.location = location
        self.offset = offset
        self.reason = reason
        self.underlying = underlying
    }

    public var description: String {
        switch kind {
        case .wrongKey, .unreadable, .notABundle: reason
        case .malformed, .tampered: "\(location) (byte \(offset)) \(reason)"
        }
    }

    public var sessionError: ProctorError {
        if let underlying { return underlying }
        switch kind {
        case .notABundle: return ProctorError(.badData, description)
        case .malformed, .tampered: return ProctorError(.verification, description)
        case .wrongKey: return ProctorError(.key, description)
        case .unreadable: return ProctorError(.io, description)
        }
    }

    public static func == (lhs: BundleFailure, rhs: BundleFailure) -> Bool {
        lhs.kind == rhs.kind && lhs.location == rhs.location && lhs.offset == rhs.offset && lhs.reason == rhs.reason
    }
}

/// A part whose recording stopped without its part-end record (a crash or kill). Everything up to
/// `offset` is intact; the part's content after its last complete record is lost.
public struct AbruptEnd: Sendable, Equatable {
    public let part: UInt32
    /// Complete records in the part.
    public let records: UInt64
    /// Where the readable part of this part ends.
    public let offset: Int
    /// Media time of the last record that reported one (needs the key; see `BundleReader.mediaClock`).
    public let mediaTime: Double?

    public var description: String {
        var text = "part \(part) ended abruptly at record \(records) (byte \(offset))"
        if let mediaTime { text += String(format: " / media time %.3f s", mediaTime) }
        return text
    }
}

/// Everything `proctor verify` and export need to say about a bundle.
public struct BundleVerification: Sendable {
    public enum Status: String, Sendable { case intact, incomplete, failed }

    public var header: BundleHeader?
    /// Whether every record was decrypted and authenticated (a key was given).
    public var decrypted = false
    /// Parts as found in the file (records and whether each ended with its part-end record).
    public var parts: [BundleManifest.Part] = []
    public var totals: [RecordType: BundleManifest.Totals] = [:]
    public var abruptEnds: [AbruptEnd] = []
    /// The final record is present, its signature is valid and it matches every byte before it.
    public var isFinished = false
    /// From the signed manifest.
    public var mediaDuration: Double?
    public var fileSize = 0
    /// The file ends inside the final record, which starts at this byte (docs/bundle-format.md).
    public var tornFinalRecord: Int?
    public var failure: BundleFailure?

    public var status: Status {
        if failure != nil { return .failed }
        return abruptEnds.isEmpty && isFinished ? .intact : .incomplete
    }

    /// Lines a person should see besides "ok": abrupt ends and a missing final record.
    public var warnings: [String] {
        guard failure == nil else { return [] }
        var lines = abruptEnds.map(\.description)
        if let torn = tornFinalRecord {
            lines.append("the bundle ends inside its final record (the \(fileSize - torn) bytes from byte \(torn) on are ignored): it was cut, or the disk filled while the recording was being finished")
        } else if !isFinished {
            lines.append("the bundle has no final record: the recording stopped before `proctor submit` finished it")
        }
        return lines
    }
}
