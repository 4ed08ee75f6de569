/// The type of a bundle record. The raw codes are part of the file format (docs/bundle-format.md):
/// 0x01–0x4F are sealed payload types (codes not named here are read back as-is, so newer writers
/// can add types), 0x50 is reserved because it starts a part header, 0x7E ends a part and 0x7F is
/// the signed final record.
public struct RecordType: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// Session facts: settings in force, devices, software versions (layout: recording issue).
    public static let metadata = RecordType(rawValue: 0x01)
    /// A chunk of the recorded Matroska stream.
    public static let media = RecordType(rawValue: 0x02)
    /// Detector events (`Detect.TimelineEvent`).
    public static let timeline = RecordType(rawValue: 0x03)
    /// A still photo (identity check at the start, snapshots).
    public static let photo = RecordType(rawValue: 0x04)
    /// The last sealed record of a part: written by `finishPart()`.
    public static let partEnd = RecordType(rawValue: 0x7E)
    /// The signed, unencrypted manifest that closes the bundle.
    public static let final = RecordType(rawValue: 0x7F)

    /// Codes an application may append with `BundleWriter.append`.
    public static let payloadCodes: ClosedRange<UInt8> = 0x01...0x4F

    public var isPayload: Bool { Self.payloadCodes.contains(rawValue) }

    public var description: String {
        switch self {
        case .metadata: "metadata"
        case .media: "media"
        case .timeline: "timeline"
        case .photo: "photo"
        case .partEnd: "part-end"
        case .final: "final"
        default: "type-0x" + String(rawValue, radix: 16, uppercase: true)
        }
    }

    public static func < (lhs: RecordType, rhs: RecordType) -> Bool { lhs.rawValue < rhs.rawValue }
}
