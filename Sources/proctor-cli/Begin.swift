import ArgumentParser
import Session

extension Proctor {
    struct Begin: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start a proctored exam session.")
        @OptionGroup var global: GlobalOptions

        mutating func run() async throws {
            throw SessionError(.internalFailure, "'proctor begin' is not built yet")
        }
    }
}
