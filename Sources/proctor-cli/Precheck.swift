import ArgumentParser
import Session

extension Proctor {
    struct Precheck: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check that this computer is ready for the exam.")
        @OptionGroup var global: GlobalOptions

        mutating func run() async throws {
            throw SessionError(.internalFailure, "'proctor precheck' is not built yet")
        }
    }
}
