import Foundation
import XCTest
@testable import ProctorModel
@testable import Report

/// One collected session exported end to end: evidence decoded from the real recording,
/// PDF/JSON/CSV written, and the `--media` files checked with ffprobe.
final class ExportSessionTests: XCTestCase {
    private func collectedSession(in dir: URL) throws -> SessionCollector {
        let collector = try SessionCollector(spoolInside: dir)
        collector.facts.studentID = "s7654321"
        collector.facts.examID = "chem101-midterm"
        collector.facts.startedAt = Date(timeIntervalSince1970: 1_795_000_000)
        collector.idPhoto = try ExportFixtures.bytes("grace_hopper.jpg")
        collector.facePhoto = try ExportFixtures.bytes("astronaut.jpg")
        // Write order is not time order: the speech interval is sealed before the earlier face flag closes.
        collector.add([
            TimelineEvent(kind: "session.start", detector: "session", severity: .info, start: 0, message: "Started."),
            TimelineEvent(kind: "audio.speech", detector: "audio", severity: .flag, start: 21, end: 24.5, evidenceTime: 22,
                          measured: ["speechRatio": 0.9], thresholds: ["speechRatio": 0.5], message: "Speech for 3.5 s."),
            TimelineEvent(kind: "face.missing", detector: "faces", severity: .flag, start: 7.05, end: 12,
                          measured: ["faces": 0], thresholds: ["seconds": 3], message: "No face for 5 s."),
        ])
        let media = SessionRecordingFixture.bytes
        XCTAssertGreaterThan(media.count, 10_000)
        // Records carry arbitrary byte ranges of the stream, as the recorder seals them.
        var offset = 0
        while offset < media.count {
            let end = min(media.count, offset + 7_919)
            try collector.addMedia(part: 0, bytes: media[offset..<end])
            offset = end
        }
        return collector
    }

    private let scorer: SessionExport.Scorer = { events, duration in
        (ReportModel.Suspicion(score: 37, contributions: [.init(kind: "face.missing", events: 1, seconds: 4.95, points: 30)]),
         [ReportModel.Coverage(detector: "faces", evaluatedSeconds: duration, totalSeconds: duration)])
    }

    func testSessionExportsReportsEvidenceAndMedia() throws {
        let dir = try ExportFixtures.temporaryDirectory(for: self)
        let options = ExportOptions(pdf: true, json: true, csv: true, media: true, outputDirectory: dir)
        let written = try SessionExport(collector: try collectedSession(in: dir), integrity: .init(verified: true, recordsVerified: 99),
                                        options: options, scorer: scorer).run()
        XCTAssertEqual(written.files.map(\.lastPathComponent).sorted(),
                       ["s7654321-chem101-midterm-camera.mkv", "s7654321-chem101-midterm-screen.mkv", "s7654321-chem101-midterm.csv",
                        "s7654321-chem101-midterm.json", "s7654321-chem101-midterm.pdf"])
        let t0 = SessionRecordingFixture.firstFrame
        // The part is taken from the recording itself: 30 s of video.
        XCTAssertEqual(written.model.parts.count, 1)
        XCTAssertEqual(written.model.duration, 30, accuracy: 0.02)
        XCTAssertEqual(written.model.timeline.map(\.kind), ["session.start", "face.missing", "audio.speech"])
        // The microphone trace, read from the recorded Opus track every 2 s: lavfi's sine is -21.1 dBFS RMS.
        XCTAssertEqual(written.model.audioLevels.count, 15)
        for level in written.model.audioLevels { XCTAssertEqual(level.dbfs, -21.1, accuracy: 0.5) }

        // Each frame decoded from the keyframe before it, not from the start: camera (10 fps,
        // keyframes every 2 s from 0.007 s) 6.0→7.1 s is 12 frames and 20.0→22.0 s is 21; screen
        // (2 fps) 6.0→7.5 s is 4 and 20.0→22.0 s is 5. The recording holds 360 frames.
        XCTAssertEqual(written.evidenceFrames, 4)
        XCTAssertEqual(written.framesDecoded, 12 + 21 + 4 + 5)

        // Evidence: camera and screen for both flags, as JPEG streams in the PDF.
        let pdf = dir.appendingPathComponent("s7654321-chem101-midterm.pdf").path
        let images = try Tool.pdfImages(pdf)
        XCTAssertEqual(images.map(\.encoding), Array(repeating: "jpeg", count: 6), "\(images)")
        XCTAssertEqual(images.dropFirst(2).map { "\($0.width)x\($0.height)" }, ["320x240", "480x270", "320x240", "480x270"])
        let text = try Tool.pdfText(pdf)
        XCTAssertTrue(text.contains("face.missing at 0:00:07.0"), text)
        XCTAssertTrue(text.contains("audio.speech at 0:00:21.0"))
        XCTAssertTrue(text.contains("camera at 0:00:07.1"), "10 fps camera: the frame at or after 7.05 s is 7.1 s: \(text)")
        XCTAssertTrue(text.contains("screen at 0:00:07.5"), "2 fps screen: the frame at or after 7.05 s is 7.5 s: \(text)")
        XCTAssertTrue(text.contains("camera at 0:00:22.0"))

        // JSON names the evidence frames' real times.
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("s7654321-chem101-midterm.json"))) as? [String: Any])
        let flag = try XCTUnwrap((json["timeline"] as? [[String: Any]])?[1])
        let evidence = try XCTUnwrap(flag["evidence"] as? [[String: Any]])
        XCTAssertEqual(evidence.map { $0["source"] as? String }, ["camera", "screen"])
        XCTAssertEqual(try XCTUnwrap(evidence[0]["time"] as? Double), 7.1 + t0, accuracy: 0.001)
        XCTAssertEqual(try XCTUnwrap(evidence[1]["time"] as? Double), 7.5 + t0, accuracy: 0.001)

        // --media: camera+microphone and screen files that ffprobe reads, chapters at the flags.
        let camera = try probe(dir.appendingPathComponent("s7654321-chem101-midterm-camera.mkv").path)
        XCTAssertEqual(camera.streams, ["h264 320x240 camera", "opus microphone"])
        XCTAssertEqual(camera.videoFrames, 300)
        XCTAssertEqual(camera.duration, 30, accuracy: 0.05)
        XCTAssertEqual(camera.chapters, ["7.050000 12.000000 Flag 1: face.missing at 0:00:07", "21.000000 24.500000 Flag 2: audio.speech at 0:00:21"])
        let screen = try probe(dir.appendingPathComponent("s7654321-chem101-midterm-screen.mkv").path)
        XCTAssertEqual(screen.streams, ["h264 640x360 screen"])
        XCTAssertEqual(screen.videoFrames, 60)
        XCTAssertEqual(screen.duration, 30, accuracy: 0.6)
        XCTAssertEqual(screen.chapters, camera.chapters)

        // The decrypted spool is gone; only the requested files remain.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }, [])
    }

    func testUnreadableMediaIsReportedNotFatal() throws {
        let dir = try ExportFixtures.temporaryDirectory(for: self)
        let collector = try collectedSession(in: dir)
        try collector.addMedia(part: 1, bytes: [UInt8](repeating: 7, count: 5000))
        let written = try SessionExport(collector: collector, integrity: .init(verified: true, recordsVerified: 99),
                                        options: ExportOptions(pdf: true, outputDirectory: dir), scorer: scorer).run()
        XCTAssertTrue(written.model.integrity.problems.contains { $0.contains("the recording of part 1 cannot be read") },
                      "\(written.model.integrity.problems)")
        XCTAssertEqual(try Tool.pdfImages(written.files[0].path).count, 6, "part 1's evidence is still there")
    }

    private func probe(_ path: String) throws -> (streams: [String], videoFrames: Int, duration: Double, chapters: [String]) {
        let data = Data(try Tool.run("ffprobe", ["-v", "error", "-count_frames", "-show_streams", "-show_format", "-show_chapters",
                                                 "-of", "json", path]).utf8)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let streams = try XCTUnwrap(json["streams"] as? [[String: Any]])
        let described = streams.map { s -> String in
            let title = (s["tags"] as? [String: String])?["title"] ?? ""
            if s["codec_type"] as? String == "video" {
                return "\(s["codec_name"] as? String ?? "") \(s["width"] as? Int ?? 0)x\(s["height"] as? Int ?? 0) \(title)"
            }
            return "\(s["codec_name"] as? String ?? "") \(title)"
        }
        let frames = Int(streams.first { $0["codec_type"] as? String == "video" }?["nb_read_frames"] as? String ?? "") ?? -1
        let duration = Double((json["format"] as? [String: Any])?["duration"] as? String ?? "") ?? -1
        let chapters = (json["chapters"] as? [[String: Any]] ?? []).map {
            "\($0["start_time"] as? String ?? "") \($0["end_time"] as? String ?? "") \(($0["tags"] as? [String: String])?["title"] ?? "")"
        }
        return (described, frames, duration, chapters)
    }
}
