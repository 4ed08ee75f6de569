import ArgumentParser
import Foundation
import ProctorModel
import Session

@main
struct Proctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proctor",
        abstract: "Record a proctored exam session, sealed so that only your instructor can open it.",
        discussion: """
        Students: run `proctor precheck --exam ID` before the exam, then `proctor begin --exam ID`.
        Instructors: `proctor keygen`, then `proctor exam create`, and after the exam `proctor export`.
        Exit codes: 0 ok, 64 usage, 65 bad data or failed verification, 66 missing input,
        69 device or service unavailable, 74 I/O error, 77 key or permission problem.
        """,
        version: ProctorVersion.string,
        subcommands: [
            Keygen.self, Exam.self, Precheck.self, Begin.self, Submit.self,
            Verify.self, Export.self, Purge.self, Serve.self, Review.self, BenchSeal.self, BenchBundle.self, BenchStage.self, BenchFaces.self,
            BenchMedia.self, BenchPreview.self, BenchServerLoad.self,
        ]
    )

    /// Parses, runs, and turns every error into one line on stderr and a sysexits code.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if let status = FailureReport.exitStatus(for: error) {
                Foundation.exit(status)
            }
            exit(withError: error)
        }
    }
}

