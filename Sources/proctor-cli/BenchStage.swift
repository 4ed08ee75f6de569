import ArgumentParser
import Detect
import Encode
import Foundation
import ProctorModel
import Seal
import Session

extension Proctor {
    /// Used by `make bench` (`BENCH_ONLY=stages`, scripts/bench/stages.sh) under callgrind;
    /// hidden from help. One stage of the pipeline on fixed input, unpaced, single-threaded
    /// where proctor allows, so its instruction count repeats exactly from run to run.
    struct BenchStage: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench-stage",
            abstract: "Run one pipeline stage on fixed input for an instruction count; prints what it did.",
            shouldDisplay: false
        )

        enum Stage: String, ExpressibleByArgument, CaseIterable {
            /// Camera frames through x264 at the example exam's camera settings, into Matroska in memory.
            case encode
            /// The analysis feed scaling camera frames to the detectors' picture.
            case scale
            /// Sealing a recording's media rate (camera + microphone bitrates) into a bundle.
            case seal
            /// The face detector on a picture with a face, once a second.
            case faces
            /// The camera checks at their rate on camera frames.
            case camera
            /// The audio detectors on 10 ms blocks of a tone that starts and stops.
            case audio
            /// What the student page adds: the analysis pictures offered to the preview at the
            /// camera's rate, and each one it keeps encoded as the JPEG the page fetches.
            case preview
        }

        @Argument(help: "encode, scale, seal, faces, camera, audio or preview.") var stage: Stage
        @Option(help: "Media seconds to process.") var seconds: Double = 10
        @Option(help: "The input: raw camera frames (encode, scale, camera) or a photo with a face (faces).") var input: String?

        mutating func run() throws {
            guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
            LibraryLogging.configure(verbose: false)
            let camera = RecordingSettings.Video(width: 640, height: 480, framesPerSecond: 15, bitsPerSecond: 500_000)
            let detection = DetectionSettings()
            switch stage {
            case .encode:
                let frames = try StageRuns.encode(file: try required(), video: camera, preset: RecordingSettings().x264Preset, seconds: seconds)
                print("encode: \(frames) frames")
            case .scale:
                let request = DetectorRunner.analysisRequest(for: detection)
                let images = try StageRuns.scaleForAnalysis(file: try required(), request: request,
                                                            sourceFramesPerSecond: Double(camera.framesPerSecond), seconds: seconds)
                print("scale: \(images.count) pictures of \(images.first.map { "\($0.width)x\($0.height)" } ?? "-")")
            case .seal:
                print("seal: \(try seal(seconds: seconds)) bytes")
            case .faces:
                guard var detector = try FaceDetector(settings: detection) else { throw ValidationError("faces are off") }
                let photo = try StillImage.decode(try [UInt8](Data(contentsOf: URL(fileURLWithPath: try required()))), as: .gray8)
                let frame = try StillImage.letterboxed(photo, width: camera.width, height: camera.height, format: .gray8)
                let request = FaceDetector.analysis
                let size = request.fitted(sourceWidth: frame.width, sourceHeight: frame.height)
                let picture = try StillImage.resized(frame, width: size.width, height: size.height, format: .gray8)
                var events = 0
                for sample in 0..<Int(seconds * FaceDetector.Defaults.samplesPerSecond) {
                    let image = AnalysisImage(width: picture.width, height: picture.height, format: .gray8, pixels: picture.pixels,
                                              time: Double(sample) / FaceDetector.Defaults.samplesPerSecond)
                    events += try detector.inspect(image).count
                }
                print("faces: \(Int(seconds)) samples, \(events) events")
            case .camera:
                guard var detector = CameraDetector(settings: detection) else { throw ValidationError("camera checks are off") }
                let images = try StageRuns.scaleForAnalysis(file: try required(), request: CameraDetector.analysis,
                                                            sourceFramesPerSecond: Double(camera.framesPerSecond), seconds: seconds)
                var events = 0
                for image in images { events += try detector.inspect(image).count }
                print("camera: \(images.count) samples, \(events) events")
            case .audio:
                guard var detector = AudioDetector(settings: detection) else { throw ValidationError("audio checks are off") }
                var events = 0
                let rate = 48_000, block = rate / 100
                for index in 0..<Int(seconds * 100) {
                    events += try detector.inspect(Self.tone(block: index, samples: block, rate: rate)).count
                }
                print("audio: \(Int(seconds * 100)) blocks, \(events) events")
            case .preview:
                print("preview: \(try preview(camera: camera, detection: detection, seconds: seconds)) JPEG bytes")
            }
        }

        private func required() throws -> String {
            guard let input else { throw ValidationError("the \(stage.rawValue) stage needs --input") }
            return input
        }

        /// 10 ms of a 440 Hz tone at -20 dBFS, on for 3 s and off for 2 s: voice detection, the
        /// loudness meter and the silence check all have something to decide.
        private static func tone(block index: Int, samples: Int, rate: Int) -> AudioBlock {
            let on = (index / 100) % 5 < 3
            let start = index * samples
            let pcm = (0..<samples).map { n -> Int16 in
                on ? Int16(3277 * sin(2 * Double.pi * 440 * Double(start + n) / Double(rate))) : 0
            }
            return AudioBlock(sampleRate: rate, samples: pcm, time: Double(start) / Double(rate))
        }

        /// The student page's own work on top of the recording: the pictures the detectors get
        /// anyway (scaled once here, so the count per media second leaves the scaling to its own
        /// row) offered to the preview at the camera's rate, and every frame the feed keeps (its
        /// default rate) encoded once as the page's long poll asks for it. Serving the bytes over
        /// loopback HTTP is not in the count.
        private func preview(camera: RecordingSettings.Video, detection: DetectionSettings, seconds: Double) throws -> Int {
            let pictures = try StageRuns.scaleForAnalysis(file: try required(), request: DetectorRunner.analysisRequest(for: detection),
                                                          sourceFramesPerSecond: Double(camera.framesPerSecond), seconds: 1)
            guard let picture = pictures.first else { throw ValidationError("no frame in \(try required())") }
            let feed = PreviewFeed()
            var bytes = 0
            for index in 0..<Int(seconds * Double(camera.framesPerSecond)) {
                let image = AnalysisImage(width: picture.width, height: picture.height, format: picture.format, pixels: picture.pixels,
                                          time: Double(index) / Double(camera.framesPerSecond))
                if let kept = feed.publish(image) { bytes += try kept.jpeg().count }
            }
            return bytes
        }

        /// A recording's media rate (camera and microphone bitrates) sealed in quarter-second
        /// records, as `SealedRecording` gathers them, into a bundle in the temporary folder.
        private func seal(seconds: Double) throws -> Int {
            let identity = try InstructorIdentity.generate(name: "bench")
            let header = try BundleHeader(examId: "bench", examFileSHA256: [UInt8](repeating: 0, count: 32), studentId: "bench",
                                          sessionId: "bench", startTime: Date(timeIntervalSince1970: 0),
                                          recipients: [BundleRecipient(identity.recipientKey)])
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-bench-stage-\(getpid()).proctor")
            defer { try? FileManager.default.removeItem(at: url) }
            let writer = try BundleWriter(creating: url, header: header)
            let bytesPerRecord = (500_000 + 32_000) / 8 / 4
            let media = [UInt8]((0..<bytesPerRecord).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            var sealed = 0
            for record in 0..<Int(seconds * 4) {
                let payload = media.withUnsafeBytes { RecordingRecords.media($0, mediaEnd: Double(record + 1) / 4) }
                try writer.append(.media, payload)
                sealed += payload.count
            }
            _ = try writer.finish(mediaDuration: seconds)
            return sealed
        }
    }
}
