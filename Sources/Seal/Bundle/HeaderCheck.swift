import Foundation
import ProctorModel

extension BundleHeader {
    /// Throws what `begin` would throw when writing this header: `exam create` calls it with a
    /// placeholder student so settings that can never record (33 recipients, an exam id too
    /// long for the header) are refused when the exam is made, not on every student's machine.
    package static func checkRecordable(examId: String, recipients: [BundleRecipient]) throws(ProctorError) {
        // The longest session and student ids begin writes: a UUID, and the id limit below.
        let header = BundleHeader(examId: examId, examFileSHA256: [UInt8](repeating: 0, count: SHA256.byteCount),
                                  studentId: "s", sessionId: UUID().uuidString.lowercased(), startTime: Date(),
                                  recipients: recipients, cipher: .xChaCha20Poly1305)
        _ = try BundleFormat.encodeSessionHeader(header)
    }
}
