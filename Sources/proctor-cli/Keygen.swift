import ArgumentParser
import Session

extension Proctor {
    struct Keygen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an instructor identity: a key to open bundles and to sign exam files.")
        @OptionGroup var global: GlobalOptions

        mutating func run() async throws {
            throw SessionError(.internalFailure, "'proctor keygen' is not built yet")
        }
    }
}
