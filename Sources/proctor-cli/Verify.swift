import ArgumentParser
import Session

extension Proctor {
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a sealed bundle for damage or tampering.")
        @OptionGroup var global: GlobalOptions

        mutating func run() async throws {
            throw SessionError(.internalFailure, "'proctor verify' is not built yet")
        }
    }
}
