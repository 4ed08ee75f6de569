import Foundation

/// Which bundles `proctor purge` deletes. A bundle is expired when its session started more
/// than its retention period ago: `--older-than DAYS` when given, otherwise the retention in
/// the bundle's exam settings. When neither is known the bundle is kept and reported: purge
/// never deletes on a guess. A student's own recording (its session state file beside it) that
/// has no delivery receipt is kept too, expired or not: until the institution has it, it is
/// the only copy of the exam (docs/export.md, "proctor purge").
public struct RetentionPlan: Sendable {
    public struct Candidate: Sendable, Equatable {
        public var url: URL
        public var studentID: String
        public var examID: String
        public var startedAt: Date
        /// A local recording that `submit` has not delivered (no receipt beside it).
        public var undelivered: Bool
        public init(url: URL, studentID: String, examID: String, startedAt: Date, undelivered: Bool = false) {
            self.url = url
            self.studentID = studentID
            self.examID = examID
            self.startedAt = startedAt
            self.undelivered = undelivered
        }
    }

    public enum Decision: Sendable, Equatable {
        case delete(ageDays: Double, retentionDays: Int)
        case keep(ageDays: Double, retentionDays: Int)
        /// Kept because no retention period is known for its exam.
        case unknownRetention(examID: String)
        /// Expired, but kept because it was never delivered.
        case undelivered(ageDays: Double, retentionDays: Int)
    }

    public let entries: [(candidate: Candidate, decision: Decision)]

    /// `retentionDays(examID)` looks the exam's retention up (nil: exam file not found).
    public init(_ candidates: [Candidate], olderThan: Int?, includeUndelivered: Bool = false, now: Date = Date(),
                retentionDays: (String) -> Int?) {
        var cache: [String: Int?] = [:]
        entries = candidates.sorted { $0.url.path < $1.url.path }.map { candidate in
            let age = now.timeIntervalSince(candidate.startedAt) / 86_400
            let days: Int?
            if let olderThan {
                days = olderThan
            } else if let cached = cache[candidate.examID] {
                days = cached
            } else {
                days = retentionDays(candidate.examID)
                cache[candidate.examID] = days
            }
            guard let days else { return (candidate, .unknownRetention(examID: candidate.examID)) }
            guard age > Double(days) else { return (candidate, .keep(ageDays: age, retentionDays: days)) }
            if candidate.undelivered && !includeUndelivered { return (candidate, .undelivered(ageDays: age, retentionDays: days)) }
            return (candidate, .delete(ageDays: age, retentionDays: days))
        }
    }

    public var expired: [Candidate] {
        entries.compactMap { if case .delete = $0.decision { return $0.candidate } else { return nil } }
    }
}
