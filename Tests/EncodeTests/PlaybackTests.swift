@testable import Encode
import Foundation
import XCTest
@testable import ProctorModel

/// Reads back a real Matroska recording (H.264 + Opus from libavcodec, written to a pipe so it
/// has no cues or duration, like a live recording) through the custom AVIOContext.
final class PlaybackTests: XCTestCase {
    /// 20 s, 10 fps, a keyframe every 2 s (frames 0, 20, 40, ...), 440 Hz tone at lavfi's
    /// amplitude 1/8 (RMS -21.1 dBFS) muted from 10 s to 15 s.
    static let recording: [UInt8] = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-playback-\(UUID().uuidString).mkv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try? PlaybackTool.run("bash", ["-c", """
            ffmpeg -nostdin -loglevel error -f lavfi -i testsrc=size=320x240:rate=10:duration=20 \
              -f lavfi -i sine=frequency=440:sample_rate=48000:duration=20 \
              -c:v libx264 -preset ultrafast -g 20 -keyint_min 20 -sc_threshold 0 -bf 0 -pix_fmt yuv420p \
              -af "volume=enable='between(t,10,15)':volume=0" -c:a libopus -b:a 48k -f matroska pipe:1 > \(path)
            """])
        return (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))) ?? []
    }()
    /// Media time of the first video frame in `recording`.
    static let t0 = 0.007

    func testStreamsAndKeyframeIndexWithoutDecoding() throws {
        let reader = try RecordingReader(MemoryByteSource(Self.recording))
        XCTAssertEqual(reader.streams.map(\.kind), [.video, .audio])
        XCTAssertEqual(reader.streams[0].codec, "h264")
        XCTAssertEqual([reader.streams[0].width, reader.streams[0].height], [320, 240])
        XCTAssertEqual(reader.streams[1].codec, "opus")
        XCTAssertEqual(reader.streams[1].sampleRate, 48000)
        let index = try reader.keyframeIndex()
        // ffmpeg shifts the whole file by Opus's 312-sample pre-skip (6.5 ms, stored as 7 ms).
        XCTAssertEqual(index.times(stream: 0).count, 10)
        XCTAssertEqual(index.times(stream: 1), [], "audio has no keyframe entries")
        for (n, time) in index.times(stream: 0).enumerated() { XCTAssertEqual(time, Double(n) * 2 + Self.t0, accuracy: 1e-9) }
        XCTAssertEqual(try XCTUnwrap(index.streamEnds[0]), 20 + Self.t0, accuracy: 0.001)
        XCTAssertEqual(try XCTUnwrap(index.streamEnds[1]), 20, accuracy: 0.03)
        XCTAssertEqual(reader.lastDecodeCount, 0, "indexing decodes nothing")
        XCTAssertEqual(try XCTUnwrap(index.keyframe(atOrBefore: 7.05, stream: 0)), 6 + Self.t0, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(index.keyframe(atOrBefore: 8.5, stream: 0)), 8 + Self.t0, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(index.keyframe(atOrBefore: -1, stream: 0)), Self.t0, accuracy: 1e-9)
    }

    func testAudioLevelIsSampledOncePerSecondInTheIndexPass() throws {
        let reader = try RecordingReader(MemoryByteSource(Self.recording))
        let index = try reader.scan(audioLevelInterval: 1)
        XCTAssertEqual(index.times(stream: 0).count, 10)
        let levels = reader.audioLevels
        XCTAssertEqual(levels.count, 20, "\(levels.map(\.time))")
        for (n, level) in levels.enumerated() { XCTAssertEqual(level.time, Double(n), accuracy: 0.03) }
        for level in levels where level.time < 9.9 || level.time > 15.1 {
            XCTAssertEqual(level.dbfs, -21.1, accuracy: 0.5, "tone at \(level.time) s")
        }
        for level in levels where level.time > 10.1 && level.time < 14.9 {
            XCTAssertLessThan(level.dbfs, -60, "muted at \(level.time) s")
        }
    }

    func testFrameAtTimeIsDecodedFromTheNearestKeyframeOnly() throws {
        let reader = try RecordingReader(MemoryByteSource(Self.recording))
        // (time asked, frame time returned, frames decoded = frames from the keyframe before it)
        for (asked, shown, decoded) in [(7.05, 7.1, 12), (7.0, 7.0, 11), (0.0, 0.0, 1), (3.0, 3.0, 11), (19.95, 19.9, 20)] {
            let image = try reader.frame(at: asked + Self.t0)
            XCTAssertEqual(image.time, shown + Self.t0, accuracy: 0.001, "asked \(asked)")
            XCTAssertEqual(reader.lastDecodeCount, decoded, "asked \(asked)")
            XCTAssertEqual([image.width, image.height], [320, 240])
        }
    }

    func testDecodedFrameMatchesFFmpegsOwnDecodeOfThatFrame() throws {
        let reader = try RecordingReader(MemoryByteSource(Self.recording))
        let ours = try reader.frame(at: 7.1 + Self.t0).pixels
        func ffmpegFrame(_ n: Int) throws -> [UInt8] {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-playback-\(UUID().uuidString).mkv").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            FileManager.default.createFile(atPath: path, contents: Data(Self.recording))
            return Array(try PlaybackTool.runData("ffmpeg", ["-nostdin", "-loglevel", "error", "-i", path, "-vf", "select=eq(n\\,\(n))",
                                                             "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]))
        }
        func meanDifference(_ a: [UInt8], _ b: [UInt8]) -> Double {
            Double(zip(a, b).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }) / Double(a.count)
        }
        // Colour conversion differs slightly between swscale setups; the frame itself must be
        // frame 71 (7.1 s), closer to it than to any neighbour.
        let differences = try (69...73).map { n in meanDifference(ours, try ffmpegFrame(n)) }
        XCTAssertEqual(differences.firstIndex(of: differences.min()!), 2, "\(differences)")
        XCTAssertLessThan(differences[2], 3)
    }

    func testEvidenceJPEGIsScaledAndDecodable() throws {
        let reader = try RecordingReader(MemoryByteSource(Self.recording))
        let evidence = try reader.evidenceJPEG(at: 12.34 + Self.t0, maxWidth: 160)
        XCTAssertEqual(evidence.time, 12.4 + Self.t0, accuracy: 0.001)
        let decoded = try StillImage.decode(evidence.jpeg)
        XCTAssertEqual([decoded.width, decoded.height], [160, 120])
    }

    func testRemuxWritesAPlayableMatroskaWithChapters() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-remux-\(UUID().uuidString).mkv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let chapters = [Chapter(start: 12.5, end: 12.5, title: "flag 2: voice.detected"),
                        Chapter(start: 5, end: 8.25, title: "flag 1: face.missing")]
        let written = try Remux.write(MemoryByteSource(Self.recording), to: path, chapters: chapters, title: "s1 camera")
        XCTAssertEqual(written.map(\.codec), ["h264", "opus"])
        let probe = try JSONSerialization.jsonObject(with: try PlaybackTool.runData(
            "ffprobe", ["-v", "error", "-count_frames", "-show_streams", "-show_format", "-show_chapters", "-of", "json", path])) as? [String: Any]
        let streams = try XCTUnwrap(probe?["streams"] as? [[String: Any]])
        XCTAssertEqual(streams.map { $0["codec_name"] as? String }, ["h264", "opus"])
        XCTAssertEqual(streams[0]["nb_read_frames"] as? String, "200")
        let format = try XCTUnwrap(probe?["format"] as? [String: Any])
        XCTAssertEqual(Double(format["duration"] as? String ?? "") ?? 0, 20, accuracy: 0.05)
        XCTAssertEqual((format["tags"] as? [String: String])?["title"], "s1 camera")
        let found = try XCTUnwrap(probe?["chapters"] as? [[String: Any]])
        XCTAssertEqual(found.map { $0["start_time"] as? String }, ["5.000000", "12.500000"])
        XCTAssertEqual(found.map { $0["end_time"] as? String }, ["8.250000", "12.500000"])
        XCTAssertEqual(found.map { ($0["tags"] as? [String: String])?["title"] }, ["flag 1: face.missing", "flag 2: voice.detected"])
    }

    func testGarbageIsBadDataNotACrash() {
        XCTAssertThrowsError(try RecordingReader(MemoryByteSource([UInt8](repeating: 0x42, count: 4096)))) { error in
            XCTAssertEqual((error as? ProctorError)?.code, .badData)
        }
        XCTAssertThrowsError(try RecordingReader(MemoryByteSource(Array(Self.recording.prefix(300))))) { error in
            XCTAssertEqual((error as? ProctorError)?.code, .badData)
        }
    }
}

enum PlaybackTool {
    static func runData(_ name: String, _ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [name] + arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NSError(domain: name, code: Int(process.terminationStatus))
        }
        return data
    }

    static func run(_ name: String, _ arguments: [String]) throws -> String {
        String(decoding: try runData(name, arguments), as: UTF8.self)
    }
}

/// A recording cut short (a crash, or the records after a failed one left out) still plays up to the cut.
final class TruncatedPlaybackTests: XCTestCase {
    func testTruncatedRecordingRemuxesAndIndexesUpToTheCut() throws {
        let cut = Array(PlaybackTests.recording.prefix(PlaybackTests.recording.count * 6 / 10))
        let reader = try RecordingReader(MemoryByteSource(cut))
        let index = try reader.keyframeIndex()
        let end = try XCTUnwrap(index.streamEnds[0])
        XCTAssertGreaterThan(end, 8)
        XCTAssertLessThan(end, 16)
        XCTAssertEqual(try reader.frame(at: end - 0.5).time, end - 0.5, accuracy: 0.11)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-cut-\(UUID().uuidString).mkv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Remux.write(MemoryByteSource(cut), to: path)
        let frames = try PlaybackTool.run("ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0",
                                                      "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path])
        let count = try XCTUnwrap(Int(frames.trimmingCharacters(in: .whitespacesAndNewlines)))
        XCTAssertEqual(Double(count), (end - PlaybackTests.t0) * 10, accuracy: 1.5)
    }
}
