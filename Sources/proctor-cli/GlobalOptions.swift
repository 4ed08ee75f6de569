import ArgumentParser
import Logging

/// Options every subcommand accepts.
struct GlobalOptions: ParsableArguments {
    @Flag(name: [.short, .long], help: "Print library-level detail on errors and progress.")
    var verbose = false

    var logger: Logger {
        var logger = Logger(label: "proctor")
        logger.logLevel = verbose ? .debug : .notice
        return logger
    }
}

/// `--json` for commands whose output is data.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print machine-readable JSON instead of text.")
    var json = false
}
