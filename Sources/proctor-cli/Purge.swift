import ArgumentParser
import Session

extension Proctor {
    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete bundles whose retention period has passed.")
        @OptionGroup var global: GlobalOptions

        mutating func run() async throws {
            throw SessionError(.internalFailure, "'proctor purge' is not built yet")
        }
    }
}
