import Foundation

/// The instructor dashboard's JSON (docs/server-api.yaml, `/v1/instructor/...`): metadata only,
/// what the server can know without opening a recording.
package enum DashboardBodies {
    package struct Exams: Codable, Sendable {
        /// The token's instructor, as the server trusts them: their key's name and fingerprint.
        package var instructor: String
        package var generatedAt: Date
        package var exams: [Exam]
    }

    package struct Exam: Codable, Sendable {
        package var examId: String
        package var title: String
        package var examSHA256: String
        package var publishedAt: Date
        package var opensAt: Date?
        package var closesAt: Date?
        /// Admits any student with the institution token.
        package var open: Bool
        package var students: Int
        package var attempts: Int
    }

    package struct Attempts: Codable, Sendable {
        package var examId: String
        package var title: String
        package var generatedAt: Date
        /// The exam's checkpoint interval: "recording" means a checkpoint within 3 of them.
        package var checkpointSeconds: Double
        package var attempts: [Attempt]
        /// Roster students without a ticket yet.
        package var notStarted: [String]
    }

    package struct Attempt: Codable, Sendable {
        package var attemptId: String
        package var studentId: String
        package var issuedAt: Date
        package var notAfter: Date
        /// `ticket_issued`, `recording`, `offline`, `uploading`, `received` or `expired` (docs/server.md, "Dashboard").
        package var status: String
        package var checkpoints: Int
        package var lastCheckpointAt: Date?
        package var lastCheckpointAgeSeconds: Double?
        /// Media seconds and sealed bytes the last checkpoint covers.
        package var mediaSeconds: Double?
        package var sealedBytes: UInt64?
        /// Checkpoints that arrived late: made while the student was offline, sent when the network returned.
        package var lateCheckpoints: Int
        package var gaps: [Gap]
        package var fork: Fork?
        package var upload: Upload?
        package var receipt: Receipt?
    }

    package struct Gap: Codable, Sendable {
        package var afterSequence: UInt64
        package var fromMediaSeconds: Double
        package var toMediaSeconds: Double
    }

    package struct Fork: Codable, Sendable {
        package var sequence: UInt64
        package var at: Date
    }

    package struct Upload: Codable, Sendable {
        package var offset: Int
        package var length: Int
        package var startedAt: Date
    }

    package struct Receipt: Codable, Sendable {
        package var receivedAt: Date
        package var size: Int
        package var bundleSHA256: String
        package var checkpoints: UInt64
        package var allContained: Bool
        package var late: Bool
    }
}
