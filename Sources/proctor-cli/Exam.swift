import ArgumentParser
import Session

extension Proctor {
    struct Exam: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a signed exam file, or show what an exam will record.",
            subcommands: [Create.self, Show.self]
        )
    }
}

extension Proctor.Exam {
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate a settings file and sign it into an exam file.")
        @OptionGroup var global: GlobalOptions

        mutating func run() async throws {
            throw SessionError(.internalFailure, "'proctor exam create' is not built yet")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print exactly what an exam records and may flag.")
        @OptionGroup var global: GlobalOptions

        mutating func run() async throws {
            throw SessionError(.internalFailure, "'proctor exam show' is not built yet")
        }
    }
}
