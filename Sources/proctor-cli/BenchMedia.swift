import ArgumentParser
import Encode
import Foundation
import ProctorModel

extension Proctor {
    /// Used by `make bench` (`BENCH_ONLY=review`, scripts/bench.sh); hidden from help. The
    /// review app's browser media on one recorded Matroska stream: opening it as fragmented
    /// MP4 (one pass over the packets), then the segment a seek to `--at` asks for, per track.
    struct BenchMedia: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench-media",
            abstract: "Time fragmented-MP4 segments for a seek in a recording; prints JSON.",
            shouldDisplay: false
        )

        @Argument(help: "A session recording (.mkv, camera + screen + microphone).") var recording: String
        @Option(help: "Media seconds to seek to.") var at: Double = 6300

        struct Track: Encodable {
            let track: String
            let openSeconds: Double
            let keyframes: Int
            let initBytes: Int
            let seekSeconds: Double
            let segmentStart: Double
            let segmentBytes: Int
        }

        mutating func run() throws {
            LibraryLogging.configure(verbose: false)
            var tracks: [Track] = []
            for (title, audio) in [("camera", true), ("screen", false)] {
                let opened = Date()
                let media = try FragmentedMP4(try FileByteSource(path: recording), video: title, withAudio: audio)
                let open = Date().timeIntervalSince(opened)
                let sought = Date()
                let segment = try media.segment(containing: at)
                tracks.append(Track(track: title, openSeconds: open, keyframes: media.keyframes.count, initBytes: media.initSegment.count,
                                    seekSeconds: Date().timeIntervalSince(sought), segmentStart: segment.start, segmentBytes: segment.bytes.count))
            }
            struct Result: Encodable { let at: Double; let tracks: [Track]; let peakRSSMiB: Double }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(Result(at: at, tracks: tracks, peakRSSMiB: Self.peakRSS())), as: UTF8.self))
        }

        /// VmHWM from /proc/self/status: the most resident memory the process ever had.
        static func peakRSS() -> Double {
            let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
            return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
        }
    }
}
