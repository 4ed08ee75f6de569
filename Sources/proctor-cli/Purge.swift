import ArgumentParser
import Foundation
import Delivery
import ProctorModel

extension Proctor {
    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete bundles whose retention period has passed.",
            discussion: """
            A bundle expires when its session started more than its retention period ago: --older-than
            DAYS when given, otherwise the retention_days of its exam (the exam file is looked up like
            `begin` does). Bundles whose retention cannot be determined are kept and listed. A recording
            made on this machine that `proctor submit` has not delivered (no receipt beside it) is kept
            until it is, unless --include-undelivered.
            """)
        @OptionGroup var global: GlobalOptions

        @Argument(help: "Folder holding sealed bundles.")
        var directory: String

        @Option(help: "Delete bundles older than this many days, whatever their exam says.")
        var olderThan: Int?

        @Flag(help: "List what would be deleted without deleting anything.")
        var dryRun = false

        @Flag(help: "Also delete expired recordings of this machine that were never delivered.")
        var includeUndelivered = false

        func validate() throws {
            if let olderThan, olderThan < 0 { throw ValidationError("--older-than must be 0 or more days") }
        }

        mutating func run() async throws {
            let outcome = try RetentionPurge.run(directory: URL(fileURLWithPath: directory), olderThan: olderThan, dryRun: dryRun,
                                              includeUndelivered: includeUndelivered)
            let verb = dryRun ? "would delete" : "deleted"
            for entry in outcome.plan.entries {
                let name = entry.candidate.url.lastPathComponent
                switch entry.decision {
                case .delete(let age, let days):
                    print("\(verb) \(entry.candidate.url.path) (\(Int(age)) days old, retention \(days) days)")
                case .keep:
                    if global.verbose { print("kept \(name)") }
                case .unknownRetention(let exam):
                    FileHandle.standardError.write(Data("proctor: kept \(name): no retention known for exam \(exam); use --older-than\n".utf8))
                case .undelivered(let age, _):
                    FileHandle.standardError.write(Data("proctor: kept \(name) (\(Int(age)) days old): never delivered; run `proctor submit --bundle \(entry.candidate.url.path)`, or --include-undelivered\n".utf8))
                }
            }
            for skipped in outcome.unreadable {
                FileHandle.standardError.write(Data("proctor: skipped \(skipped)\n".utf8))
            }
            if let failure = outcome.deleteFailures.first {
                throw ProctorError(.io, "could not delete \(outcome.deleteFailures.count) bundle(s), first: \(failure)")
            }
        }
    }
}
