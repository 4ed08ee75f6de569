import Foundation
import ProctorModel
import Seal

/// The server's signed statement that it holds exactly these bytes for this attempt, and what
/// its checkpoint log said about them. Returned by the upload and stored beside the bundle, so
/// `purge` may delete the local copy and `export` can state the bundle was attested.
public struct ServerReceipt: SignedWire {
    public static let signatureContext = "proctor-receipt-v1"
    public static let noun = "the server receipt"
    public static let version: UInt8 = 1

    public var attemptId: String
    public var examFileSHA256: [UInt8]
    public var studentId: String
    public var bundleSHA256: [UInt8]
    public var bundleSize: UInt64
    public var receivedAt: Date
    public var checkpoints: CheckpointSummary

    /// What the server's checkpoint log held for the attempt when the bundle arrived.
    public struct CheckpointSummary: Sendable, Equatable, Codable {
        /// Checkpoints held (after replays were discarded).
        public var count: UInt64
        /// The highest sequence number held; 0 when `count` is 0.
        public var lastSequence: UInt64
        /// Every held checkpoint is a prefix of the bundle.
        public var allContained: Bool
        /// The bundle arrived after the ticket's `notAfter`.
        public var late: Bool

        public init(count: UInt64, lastSequence: UInt64, allContained: Bool, late: Bool) {
            self.count = count
            self.lastSequence = lastSequence
            self.allContained = allContained
            self.late = late
        }
    }

    public init(attemptId: String, examFileSHA256: [UInt8], studentId: String, bundleSHA256: [UInt8], bundleSize: UInt64,
                receivedAt: Date, checkpoints: CheckpointSummary) {
        self.attemptId = attemptId
        self.examFileSHA256 = examFileSHA256
        self.studentId = studentId
        self.bundleSHA256 = bundleSHA256
        self.bundleSize = bundleSize
        self.receivedAt = AttemptTicket.wholeMilliseconds(receivedAt)
        self.checkpoints = checkpoints
    }

    package func encodeFields(into writer: inout WireWriter) {
        writer.str(attemptId)
        writer.fixed(examFileSHA256)
        writer.str(studentId)
        writer.fixed(bundleSHA256)
        writer.u64(bundleSize)
        writer.time(receivedAt)
        writer.u64(checkpoints.count)
        writer.u64(checkpoints.lastSequence)
        writer.u8(checkpoints.allContained ? 1 : 0)
        writer.u8(checkpoints.late ? 1 : 0)
    }

    package static func decodeFields(from reader: inout WireReader) throws(ProctorError) -> ServerReceipt {
        let attempt = try reader.str("attempt id")
        let exam = try reader.fixed(SHA256.byteCount)
        let student = try reader.str("student id")
        let bundle = try reader.fixed(SHA256.byteCount)
        let size = try reader.u64()
        let received = try reader.time()
        let summary = CheckpointSummary(count: try reader.u64(), lastSequence: try reader.u64(),
                                        allContained: try reader.flag("all contained"), late: try reader.flag("late"))
        return ServerReceipt(attemptId: attempt, examFileSHA256: exam, studentId: student, bundleSHA256: bundle,
                             bundleSize: size, receivedAt: received, checkpoints: summary)
    }
}
