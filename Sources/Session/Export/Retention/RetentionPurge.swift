import Foundation

/// `proctor purge`: finds the bundles in a folder by their magic bytes (not their names), reads
/// each one's public header (no key needed: the student, exam and start time are not secret),
/// and deletes those past retention.
public enum RetentionPurge {
    public struct Outcome: Sendable {
        public var plan: RetentionPlan
        /// Files that start like a bundle but whose header cannot be read: never deleted.
        public var unreadable: [String]
        public var deleteFailures: [String]
    }

    public static func run(directory: URL, olderThan: Int?, dryRun: Bool, now: Date = Date(),
                           environment: [String: String] = ProcessInfo.processInfo.environment) throws(SessionError) -> Outcome {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw SessionError(.missingInput, "cannot list the folder \(directory.path)", detail: "\(error)")
        }
        var candidates: [RetentionPlan.Candidate] = [], unreadable: [String] = []
        for name in names.sorted() {
            let url = directory.appendingPathComponent(name)
            guard isBundle(url) else { continue }
            do {
                let header = try BundleReader(contentsOf: url).header
                candidates.append(.init(url: url, studentID: header.studentId, examID: header.examId, startedAt: header.startTime))
            } catch {
                unreadable.append("\(name): \(error.message)")
            }
        }
        let plan = RetentionPlan(candidates, olderThan: olderThan, now: now) { examID in
            guard let url = try? ExamLocator.resolve(examID, environment: environment) else { return nil }
            return (try? ExamFile.load(url))?.settings.retentionDays
        }
        var failures: [String] = []
        if !dryRun {
            for candidate in plan.expired {
                do { try FileManager.default.removeItem(at: candidate.url) } catch { failures.append("\(candidate.url.path): \(error)") }
            }
        }
        return Outcome(plan: plan, unreadable: unreadable, deleteFailures: failures)
    }

    /// A regular file starting with the bundle magic.
    static func isBundle(_ url: URL) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: url.path) else { return false }
        defer { try? handle.close() }
        let magic = (try? handle.read(upToCount: BundleFormat.magic.count)) ?? nil
        return magic.map(Array.init) == BundleFormat.magic
    }
}
