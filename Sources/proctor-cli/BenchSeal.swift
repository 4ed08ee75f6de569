import ArgumentParser
import Foundation
import Seal

extension Proctor {
    /// Used by `make bench` (scripts/bench.sh); hidden from help.
    struct BenchSeal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench-seal",
            abstract: "Measure bundle sealing against raw libsodium AEAD on the same records; prints JSON.",
            shouldDisplay: false
        )

        @Option(help: "MiB sealed per run.") var megabytes = 32
        @Option(help: "Alternating runs of each side; each side's median run counts.") var rounds = 9
        @Option(help: "Bytes per record (a recording seals a quarter second of media per record: tens of KiB, at most 512 KiB).") var recordBytes = 1 << 20

        mutating func run() async throws {
            guard megabytes > 0, rounds > 0, recordBytes > 0 else { throw ValidationError("--megabytes, --rounds and --record-bytes must be positive") }
            let result = try SealBenchmark.run(megabytes: megabytes, rounds: rounds, recordBytes: recordBytes, directory: FileManager.default.temporaryDirectory)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        }
    }
}
