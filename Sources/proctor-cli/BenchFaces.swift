import ArgumentParser
import Detect
import Encode
import Foundation

extension Proctor {
    /// Used by `make bench` (scripts/bench.sh); hidden from help.
    struct BenchFaces: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench-faces",
            abstract: "Measure the face detectors' CPU per sample (CNN first, HOG alone); prints JSON.",
            shouldDisplay: false
        )

        @Option(help: "A JPEG or PNG with a face, letterboxed to the 320x240 analysis frame.") var picture: String
        @Option(help: "Samples per measurement.") var samples = 200

        mutating func run() async throws {
            guard samples > 0 else { throw ValidationError("--samples must be positive") }
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: picture)))
            let result = try FaceBenchmark.run(picture: try StillImage.decode(bytes, as: .gray8), samples: samples)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        }
    }
}
