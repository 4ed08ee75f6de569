import ArgumentParser
import Encode
import Foundation
import Session
import Delivery
import Exam
import ProctorModel

extension Proctor {
    struct Precheck: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that this computer is ready for the exam.",
            discussion: """
            Checks the camera, microphone, screen, displays, free disk space where sessions are recorded \
            ($PROCTOR_DATA_DIR, default ~/.local/share/proctor/sessions), forbidden programs and the exam file. \
            Exit status: 0 ready, 69 not ready, 65 the exam file is damaged or was edited, 66 the exam was not found.
            """
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup var examOptions: ExamOptions
        @OptionGroup var sources: SourceOptions

        @Flag(help: "Skip device checks and run a self-test instead (for servers and CI).")
        var headless = false

        mutating func run() async throws {
            LibraryLogging.configure(verbose: global.verbose)
            var context = PrecheckContext(camera: sources.camera, microphone: sources.mic, screen: sources.screen,
                                          headless: headless, student: examOptions.student,
                                          outputDirectory: SessionDirectory().url)
            if let name = examOptions.exam {
                switch Self.loadExam(name) {
                case .success(let exam): context.exam = exam
                case .failure(let error): context.examError = error
                }
            }
            let report = Session.Precheck.run(context)
            if output.json {
                try JSONOutput.print(report)
            } else {
                printText(report)
            }
            if let examError = context.examError {
                // Also on stderr, so `--json` users and scripts see why the status is 65 or 66.
                throw ExitCode(FailureReport.exitStatus(for: examError) ?? FailureReport.dataError)
            }
            if !report.ready { throw ExitCode(FailureReport.unavailable) }
        }

        /// A bad exam is reported as a failed check (and decides the exit status), not thrown.
        private static func loadExam(_ name: String) -> Result<ExamFile, ProctorError> {
            Result { () throws(ProctorError) in try ExamFile.load(try ExamLocator.resolve(name)) }
        }

        private func printText(_ report: PrecheckReport) {
            let width = report.checks.map(\.title.count).max() ?? 0
            for entry in report.checks {
                let mark = switch entry.result.status {
                case .pass: "ok  "
                case .warn: "WARN"
                case .fail: "FAIL"
                case .skip: "--  "
                }
                print("\(mark)  \(entry.title.padding(toLength: width, withPad: " ", startingAt: 0))  \(entry.result.message)")
                if let hint = entry.result.hint, entry.result.status == .fail || entry.result.status == .warn {
                    print("      \(String(repeating: " ", count: width))  -> \(hint)")
                }
            }
            print(report.ready ? "Ready for the exam." : "Not ready: fix the items marked FAIL and run precheck again.")
        }
    }
}
