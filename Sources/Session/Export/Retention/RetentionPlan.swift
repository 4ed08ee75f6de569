import Foundation

/// Which bundles `proctor purge` deletes. A bundle is expired when its session started more
/// than its retention period ago: `--older-than DAYS` when given, otherwise the retention in
/// the bundle's exam settings. When neither is known the bundle is kept and reported: purge
/// never deletes on a guess.
public struct RetentionPlan: Sendable {
    public struct Candidate: Sendable, Equatable {
        public var url: URL
        public var studentID: String
        public var examID: String
        public var startedAt: Date
        public init(url: URL, studentID: String, examID: String, startedAt: Date) {
            self.url = url
            self.studentID = studentID
            self.examID = examID
            self.startedAt = startedAt
        }
    }

    public enum Decision: Sendable, Equatable {
        case delete(ageDays: Double, retentionDays: Int)
        case keep(ageDays: Double, retentionDays: Int)
        /// Kept because no retention period is known for its exam.
        case unknownRetention(examID: String)
    }

    public let entries: [(candidate: Candidate, decision: Decision)]

    /// `retentionDays(examID)` looks the exam's retention up (nil: exam file not found).
    public init(_ candidates: [Candidate], olderThan: Int?, now: Date = Date(),
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
            return (candidate, age > Double(days) ? .delete(ageDays: age, retentionDays: days) : .keep(ageDays: age, retentionDays: days))
        }
    }

    public var expired: [Candidate] {
        entries.compactMap { if case .delete = $0.decision { return $0.candidate } else { return nil } }
    }
}
