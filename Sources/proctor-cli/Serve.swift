import ArgumentParser
import Attest
import Foundation
import Logging
import ProctorModel
import Server

extension Proctor {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the collection server: tickets, live checkpoints, bundle uploads and signed receipts.",
            discussion: """
            Without --config it runs on 127.0.0.1:8440 with its data (SQLite metadata, bundles, and a \
            server key made on first start) in ./proctor-server. Every key of the TOML config is in docs/server.md.
            The server never holds a key that opens a recording.
            """
        )
        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("The server's TOML configuration.", valueName: "file"))
        var config: String?

        @Option(help: ArgumentHelp("Listen on this port instead of the config's (0: any free port).", valueName: "port"))
        var port: Int?

        mutating func run() async throws {
            var settings = try config.map { try ServerConfig.load(URL(fileURLWithPath: $0)) } ?? ServerConfig.defaults
            if let port { settings.port = port }
            var logger = Logger(label: "proctor.serve")
            logger.logLevel = global.verbose ? .debug : .info
            let server = try await ServerStartup.open(settings, logger: logger)
            let host = settings.host
            let identity = server.identity
            try await server.run { port in
                // One line that scripts and tests wait for, then the key line to pin in exams.
                // Written straight to the descriptor: stdout to a pipe is buffered by print.
                let lines = "proctor serve: listening on http://\(host):\(port)/ as \(identity.name) (\(identity.fingerprint))\n\(identity.line)\n"
                FileHandle.standardOutput.write(Data(lines.utf8))
            }
        }
    }
}
