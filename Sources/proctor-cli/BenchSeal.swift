import ArgumentParser
import Foundation
import Session

extension Proctor {
    /// Used by `make bench` (scripts/bench.sh); hidden from help.
    struct BenchSeal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench-seal",
            abstract: "Measure bundle sealing against raw libsodium AEAD on 1 MiB records; prints JSON.",
            shouldDisplay: false
        )

        @Option(help: "MiB sealed per run.") var megabytes = 32
        @Option(help: "Alternating runs of each side; each side's median run counts.") var rounds = 9

        mutating func run() async throws {
            guard megabytes > 0, rounds > 0 else { throw ValidationError("--megabytes and --rounds must be positive") }
            let result = try SealBenchmark.run(megabytes: megabytes, rounds: rounds, directory: FileManager.default.temporaryDirectory)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        }
    }
}
