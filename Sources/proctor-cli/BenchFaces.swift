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

        @Option(help: "A JPEG or PNG with a face, letterboxed to a 640x480 camera frame and scaled as the feed scales it.") var picture: String
        @Option(help: "Samples per measurement.") var samples = 200

        mutating func run() async throws {
            guard samples > 0 else { throw ValidationError("--samples must be positive") }
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: picture)))
            let camera = try StillImage.letterboxed(try StillImage.decode(bytes, as: .gray8), width: 640, height: 480, format: .gray8)
            let size = FaceDetector.analysis.fitted(sourceWidth: camera.width, sourceHeight: camera.height)
            let frame = try StillImage.resized(camera, width: size.width, height: size.height, format: .gray8)
            let result = try FaceBenchmark.run(frame: frame, samples: samples)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        }
    }
}
