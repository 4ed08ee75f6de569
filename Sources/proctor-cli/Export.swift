import ArgumentParser
import Session

extension Proctor {
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Decrypt bundles and write PDF reports, data and media for review.")
        @OptionGroup var global: GlobalOptions

        mutating func run() async throws {
            throw SessionError(.internalFailure, "'proctor export' is not built yet")
        }
    }
}
