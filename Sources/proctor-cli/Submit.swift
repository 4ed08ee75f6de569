import ArgumentParser
import Session

extension Proctor {
    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Finish the exam session and deliver the sealed recording.")
        @OptionGroup var global: GlobalOptions

        mutating func run() async throws {
            throw SessionError(.internalFailure, "'proctor submit' is not built yet")
        }
    }
}
