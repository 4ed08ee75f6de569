import Foundation
import Exam
import ProctorModel
import Seal

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

    public static func run(directory: URL, olderThan: Int?, dryRun: Bool, includeUndelivered: Bool = false, now: Date = Date(),
                           environment: [String: String] = ProcessInfo.processInfo.environment) throws(ProctorError) -> Outcome {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw ProctorError(.missingInput, "cannot list the folder \(directory.path)", detail: "\(error)")
        }
        var candidates: [RetentionPlan.Candidate] = [], unreadable: [String] = []
        for name in names.sorted() {
            let url = directory.appendingPathComponent(name)
            guard isBundle(url) else { continue }
            do {
                let header = try BundleReader(contentsOf: url).header
                candidates.append(.init(url: url, studentID: header.studentId, examID: header.examId, startedAt: header.startTime,
                                        undelivered: isUndeliveredRecording(url, environment: environment)))
            } catch {
                unreadable.append("\(name): \(error.message)")
            }
        }
        let plan = RetentionPlan(candidates, olderThan: olderThan, includeUndelivered: includeUndelivered, now: now) { examID in
            guard let url = try? ExamLocator.resolve(examID, environment: environment) else { return nil }
            return (try? ExamFile.load(url))?.settings.retentionDays
        }
        var failures: [String] = []
        if !dryRun {
            for candidate in plan.expired {
                do { try FileManager.default.removeItem(at: candidate.url) } catch {
                    failures.append("\(candidate.url.path): \(error)")
                    continue
                }
                // The receipt and the session state describe the bundle; without it they would
                // point at nothing (and a state file would read as a session to resume).
                for companion in [DeliveryReceipt.url(for: candidate.url), SessionState.url(forBundle: candidate.url),
                                  ServerUpload.receiptURL(for: candidate.url), candidate.url.appendingPathExtension("checkpoints")] {
                    try? FileManager.default.removeItem(at: companion)
                }
            }
        }
        return Outcome(plan: plan, unreadable: unreadable, deleteFailures: failures)
    }

    /// A recording made on this machine (`begin` keeps its session state beside it) for which
    /// `submit` has no receipt showing the destination was read back: none, one that cannot be
    /// read, or one whose server only acknowledged the upload (it may have stored nothing).
    /// A recording under a collection server's ticket counts as delivered only with that
    /// server's signed receipt for exactly these bytes (`ServerUpload.hasValidReceipt`).
    static func isUndeliveredRecording(_ url: URL, environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard FileManager.default.fileExists(atPath: SessionState.url(forBundle: url).path) else { return false }
        if let ticketed = try? BundleReader(contentsOf: url).header.attemptTicket != nil, ticketed {
            return !ServerUpload.hasValidReceipt(url, environment: environment)
        }
        guard let receipt = try? DeliveryReceipt.read(from: DeliveryReceipt.url(for: url)) else { return true }
        return !receipt.verification.readBack || receipt.bundle != url.lastPathComponent
    }

    /// A regular file starting with the bundle magic.
    static func isBundle(_ url: URL) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: url.path) else { return false }
        defer { try? handle.close() }
        let magic = (try? handle.read(upToCount: BundleFormat.magic.count)) ?? nil
        return magic.map(Array.init) == BundleFormat.magic
    }
}
