import Foundation

/// The JSON bodies of the API (docs/server-api.yaml). Byte strings are standard base64.
package enum APIBodies {
    package struct Health: Codable, Sendable { package var status: String }

    package struct Published: Codable, Sendable {
        package var examId: String
        package var examSHA256: String
        package var students: Int
        package var open: Bool
        /// false: this exact exam file was already published (a retry).
        package var created: Bool
    }

    package struct TicketRequest: Codable, Sendable {
        package var student: String
        package var code: String?
        package var token: String?
        package init(student: String, code: String? = nil, token: String? = nil) {
            self.student = student
            self.code = code
            self.token = token
        }
    }

    package struct Ticket: Codable, Sendable {
        package var attemptId: String
        package var ticket: String
        package var notBefore: Date
        package var notAfter: Date
    }

    package struct CheckpointUpload: Codable, Sendable {
        package var checkpoint: String
        package init(checkpoint: String) { self.checkpoint = checkpoint }
    }

    package struct CheckpointStored: Codable, Sendable {
        /// `stored`, or `duplicate` for a replay of one already held (idempotent).
        package var status: String
        package var sequence: UInt64
        package var receivedAt: Date
    }

    package struct Receipt: Codable, Sendable {
        package var attemptId: String
        package var receipt: String
        package var bundleSHA256: String
        package var size: Int
        package var receivedAt: Date
        package var checkpoints: UInt64
        package var allContained: Bool
        package var late: Bool
    }
}
