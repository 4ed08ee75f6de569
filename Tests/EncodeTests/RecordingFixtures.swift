@testable import Encode
import Foundation
import XCTest
@testable import ProctorModel

/// Collects what the pipeline offers the detectors.
final class CollectingTap: AnalysisTap, @unchecked Sendable {
    private let lock = NSLock()
    private var storedImages: [AnalysisImage] = []
    private var storedAudio: [AudioBlock] = []

    func offer(_ image: AnalysisImage) { lock.lock(); storedImages.append(image); lock.unlock() }
    func offer(_ audio: AudioBlock) { lock.lock(); storedAudio.append(audio); lock.unlock() }

    var images: [AnalysisImage] { lock.lock(); defer { lock.unlock() }; return storedImages }
    var audio: [AudioBlock] { lock.lock(); defer { lock.unlock() }; return storedAudio }
}

/// Collects notices from the capture threads and the pipeline.
final class NoticeLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [RecordingNotice] = []
    func append(_ notice: RecordingNotice) { lock.lock(); stored.append(notice); lock.unlock() }
    var notices: [RecordingNotice] { lock.lock(); defer { lock.unlock() }; return stored }

    /// Waits until every kind in `kinds` has been noticed; false after `timeout` seconds. Tests
    /// wait for the event itself rather than sleeping a fixed time a loaded machine may overrun.
    func wait(for kinds: Set<String>, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if kinds.isSubset(of: Set(notices.map(\.kind))) { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return kinds.isSubset(of: Set(notices.map(\.kind)))
    }
}

/// One stream of a recording decoded back with libavcodec (through the same `InputMedia`
/// the file source uses).
struct DecodedStream {
    var frames = 0
    var first: Double?
    var last: Double?
    var width: Int32 = 0
    var height: Int32 = 0
    /// Audio only: every decoded sample, mono, as Float in -1...1.
    var samples: [Float] = []
    var sampleRate = 0

    /// Seconds from the first frame to the end of the last one.
    func duration(frameLength: Double) -> Double { (last ?? 0) - (first ?? 0) + frameLength }

    var rms: Double { rms(of: samples[...]) }

    func rms(of slice: ArraySlice<Float>) -> Double {
        guard !slice.isEmpty else { return 0 }
        return (slice.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(slice.count)).squareRoot()
    }
}

enum Fixtures {
    static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")
    }

    static var speech: URL { directory.appendingPathComponent("audio/speech-48k-s16le-mono.raw") }
    static let speechSeconds = 2.950604
    static let speechRMS = 0.083712

    /// An ALSA configuration in which PCM `name` is a microphone that plays `file` (raw S16LE
    /// mono 48 kHz) and then silence: the `file` plugin over a `null` slave.
    static func alsaFileMicrophone(name: String, file: URL) -> String {
        """
        pcm.\(name) {
            type file
            slave.pcm { type null }
            file "/dev/null"
            infile "\(file.path)"
            format "raw"
        }
        """
    }

    static func temporaryFile(_ bytes: [UInt8], suffix: String = ".mkv") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-test-\(UUID().uuidString)\(suffix)")
        try Data(bytes).write(to: url)
        return url
    }

    /// Decodes every frame of the video or audio stream of a media file.
    static func decode(_ url: URL, _ type: InputMedia.MediaType) throws -> DecodedStream {
        let media = try InputMedia(format: nil, url: url.path, options: [:], type: type)
        let frame = Frame()
        var result = DecodedStream()
        var resampler: Resampler?
        while try media.nextFrame(into: frame) {
            result.frames += 1
            let time = media.seconds(of: frame)
            if result.first == nil { result.first = time }
            result.last = time
            result.width = frame.width
            result.height = frame.height
            if type == .audio {
                if resampler == nil { resampler = try Resampler(from: frame, outputRate: 48_000) }
                result.samples += try resampler!.convert(frame).map { Float($0) / 32768 }
                result.sampleRate = 48_000
            }
            frame.unref()
        }
        return result
    }

    /// Runs a tool and returns its exit status (output discarded).
    static func run(_ tool: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Stream codec names as ffprobe reports them, in stream order.
    static func probeCodecs(_ url: URL) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ffprobe")
        process.arguments = ["-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", url.path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
