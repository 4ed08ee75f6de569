@testable import Encode
import Foundation
import TestTools
import XCTest
@testable import ProctorModel

/// The review app's browser media: a session recording (camera H.264 + screen H.264 + Opus, as
/// `begin` writes it, without cues) cut into fragmented-MP4 segments that ffprobe and ffmpeg
/// read back with the session's own media times and the same pictures.
final class FragmentedMP4Tests: XCTestCase {
    /// The session-shaped recording (TestTools), read back here.
    static let recording = SessionRecording.twentySeconds
    static let t0 = SessionRecording.firstFrame

    private func file(_ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-fmp4-\(UUID().uuidString).mp4").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// (stream index, pts) of every packet ffprobe reads.
    private func packets(_ path: String) throws -> [(stream: Int, time: Double)] {
        try PlaybackTool.run("ffprobe", ["-v", "error", "-show_entries", "packet=stream_index,pts_time", "-of", "csv=p=0", path])
            .split(separator: "\n").compactMap { line in
                let fields = line.split(separator: ",")
                guard fields.count == 2, let stream = Int(fields[0]), let time = Double(fields[1]) else { return nil }
                return (stream, time)
            }
    }

    func testCameraSegmentsCarrySessionTimesAndTileTheRecording() throws {
        let camera = try FragmentedMP4(MemoryByteSource(Self.recording), video: "camera", withAudio: true)
        XCTAssertTrue(camera.mimeType.hasPrefix("video/mp4; codecs=\"avc1.") && camera.mimeType.hasSuffix(", opus\""), camera.mimeType)
        XCTAssertEqual(camera.keyframes.count, 10)
        for (n, time) in camera.keyframes.enumerated() { XCTAssertEqual(time, Self.t0 + 2 * Double(n), accuracy: 0.001) }
        XCTAssertEqual(camera.duration, 20, accuracy: 0.05)
        XCTAssertEqual(Array(camera.initSegment[4..<8]), Array("ftyp".utf8))

        // 9.5 s lies in the GOP from 8 s; a segment spans 4 s, two GOPs.
        let segment = try camera.segment(containing: 9.5)
        XCTAssertEqual(segment.start, Self.t0 + 8, accuracy: 0.001)
        XCTAssertEqual(segment.end, Self.t0 + 12, accuracy: 0.001)
        XCTAssertEqual(Array(segment.bytes[4..<8]), Array("moof".utf8), "media boxes only: no second ftyp/moov")
        let read = try packets(try file(camera.initSegment + segment.bytes))
        let video = read.filter { $0.stream == 0 }.map(\.time), audio = read.filter { $0.stream == 1 }.map(\.time)
        XCTAssertEqual(video.count, 40, "frames 80..119")
        XCTAssertEqual(video.first ?? 0, Self.t0 + 8, accuracy: 0.001, "tfdt is the session's media time, not zero")
        XCTAssertEqual(video.last ?? 0, Self.t0 + 11.9, accuracy: 0.001)
        XCTAssertEqual(audio.count, 200, "20 ms Opus packets over 4 s")
        XCTAssertGreaterThanOrEqual(audio.min() ?? 0, Self.t0 + 8 - 0.001)
        XCTAssertLessThan(audio.max() ?? 99, Self.t0 + 12)

        // Walking from 0 to the end, segment after segment, yields every frame exactly once.
        var time = 0.0, frames = 0, last = -1.0
        while time < camera.duration {
            let next = try camera.segment(containing: time)
            XCTAssertGreaterThan(next.start, last)
            frames += try packets(try file(camera.initSegment + next.bytes)).filter { $0.stream == 0 }.count
            last = next.start
            time = next.end
        }
        XCTAssertEqual(frames, 200)
        XCTAssertLessThan(segment.bytes.count, Self.recording.count / 3, "one segment holds a fifth of the recording, not all of it")
    }

    func testScreenSegmentIsTheScreenAloneAndDecodesToTheSamePicture() throws {
        let screen = try FragmentedMP4(MemoryByteSource(Self.recording), video: "screen", withAudio: false, segmentLength: 2)
        XCTAssertFalse(screen.mimeType.contains("opus"), screen.mimeType)
        let segment = try screen.segment(containing: 14.2)
        XCTAssertEqual(segment.start, Self.t0 + 14, accuracy: 0.001)
        let path = try file(screen.initSegment + segment.bytes)
        XCTAssertEqual(try packets(path).map(\.stream), [0, 0, 0, 0])
        // The first picture of the segment, decoded by ffmpeg from the MP4, is the frame proctor
        // decodes from the Matroska at that time.
        let decoded = [UInt8](try PlaybackTool.runData("ffmpeg", ["-nostdin", "-loglevel", "error", "-i", path, "-frames:v", "1",
                                                                     "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]))
        let reader = try RecordingReader(MemoryByteSource(Self.recording))
        let expected = try reader.frame(at: segment.start, stream: 1, maxWidth: 640)
        let next = try reader.frame(at: segment.start + 0.5, stream: 1, maxWidth: 640)
        XCTAssertEqual(expected.width * expected.height * 3, decoded.count)
        func meanDifference(_ image: AnalysisImage) -> Double {
            Double(zip(image.pixels, decoded).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }) / Double(decoded.count)
        }
        // Two converters (proctor's and ffmpeg's default swscale flags) round YUV→RGB a little
        // differently; the next picture, half a second later, is far further away.
        XCTAssertLessThan(meanDifference(expected), 3)
        XCTAssertGreaterThan(meanDifference(next), 3 * meanDifference(expected))
    }

    func testMissingTrackAndGarbageAreClearErrors() {
        XCTAssertThrowsError(try FragmentedMP4(MemoryByteSource(Self.recording), video: "document-camera", withAudio: false)) {
            XCTAssertEqual(($0 as? ProctorError)?.code, .missingInput)
        }
        XCTAssertThrowsError(try FragmentedMP4(MemoryByteSource([UInt8](repeating: 7, count: 4096)), video: "camera", withAudio: true)) {
            XCTAssertEqual(($0 as? ProctorError)?.code, .badData)
        }
    }
}
