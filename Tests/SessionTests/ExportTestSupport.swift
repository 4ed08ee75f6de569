import Foundation
import TestTools
import XCTest
@testable import ProctorModel
@testable import Report

/// Shared helpers for the export tests: fixtures, a sample report model with known ground truth,
/// and the poppler/ffmpeg command-line tools the results are read back with.
enum ExportFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/export")

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    /// A 40-minute, two-part session with three flags (two with evidence), one coverage gap and
    /// an info event. Every value a test checks is fixed here.
    static func sampleModel(student: String = "s1234567", score: Double = 42, integrity: ReportModel.Integrity? = nil) throws -> ReportModel {
        let frame = try bytes("testsrc-320x240.jpg")
        let timeline = [
            TimelineEvent(kind: "session.start", detector: "session", severity: .info, start: 0, message: "Session started."),
            TimelineEvent(kind: "light.insufficient", detector: "light", severity: .coverage, start: 300, end: 420,
                          measured: ["meanLuma": 21.5], thresholds: ["minimumLuma": 40], message: "Too dark to see faces."),
            TimelineEvent(kind: "face.missing", detector: "faces", severity: .flag, start: 754.2, end: 769.8, confidence: 0.9,
                          evidenceTime: 760, measured: ["faces": 0, "seconds": 15.6], thresholds: ["seconds": 5],
                          message: "No face was visible for 15.6 s."),
            TimelineEvent(kind: "voice.detected", detector: "voice", severity: .flag, start: 1500, end: 1512,
                          evidenceTime: 1505, measured: ["speechRatio": 0.82], thresholds: ["speechRatio": 0.5],
                          message: "Speech for 12 s while the exam forbids talking."),
            TimelineEvent(kind: "face.multiple", detector: "faces", severity: .flag, start: 2100.5, end: 2103,
                          measured: ["faces": 2], thresholds: ["faces": 1], message: "Two faces were visible."),
        ]
        let levels = stride(from: 0.0, to: 2400, by: 1).map { t in
            ReportModel.AudioLevel(time: t, dbfs: (1500...1512).contains(t) ? -12 : -55)
        }
        return ReportModel(
            student: .init(id: student, name: "Ada Example"), exam: .init(id: "math101-final", title: "Calculus final"),
            startedAt: Date(timeIntervalSince1970: 1_795_000_000), endedAt: Date(timeIntervalSince1970: 1_795_002_700),
            duration: 2400,
            parts: [.init(index: 1, start: 0, end: 1200, startedAt: Date(timeIntervalSince1970: 1_795_000_000),
                          endedAt: Date(timeIntervalSince1970: 1_795_001_200)),
                    .init(index: 2, start: 1200, end: 2400, startedAt: Date(timeIntervalSince1970: 1_795_001_500),
                          endedAt: Date(timeIntervalSince1970: 1_795_002_700))],
            integrity: integrity ?? .init(verified: true, recordsVerified: 812),
            suspicion: .init(score: score, contributions: [.init(kind: "face.missing", events: 1, seconds: 15.6, points: 25),
                                                          .init(kind: "voice.detected", events: 1, seconds: 12, points: 14),
                                                          .init(kind: "face.multiple", events: 1, seconds: 2.5, points: 3)]),
            coverage: [.init(detector: "faces", evaluatedSeconds: 2280, totalSeconds: 2400, note: "too dark 0:05:00–0:07:00")],
            settings: [.init("camera", "required"), .init("talking", "forbidden")],
            accommodations: ["25% extra time"],
            idPhoto: try bytes("grace_hopper.jpg"), facePhoto: try bytes("astronaut.jpg"),
            timeline: timeline, audioLevels: levels,
            evidence: [2: [.init(time: 760, source: "camera", jpeg: frame), .init(time: 760, source: "screen", jpeg: frame)],
                       3: [.init(time: 1505, source: "camera", jpeg: frame)]])
    }

    /// A fresh folder, removed when `test` finishes.
    static func temporaryDirectory(for test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}

/// Runs a command-line tool (pdftotext, pdfinfo, pdfimages, ffprobe) and returns its stdout.
enum Tool {
    static func run(_ name: String, _ arguments: [String]) throws -> String { try CommandOutput.run(name, arguments) }

    static func pdfText(_ path: String, page: Int? = nil) throws -> String {
        let range = page.map { ["-f", "\($0)", "-l", "\($0)"] } ?? []
        return try run("pdftotext", ["-layout"] + range + [path, "-"])
    }

    static func pdfInfo(_ path: String) throws -> [String: String] {
        var info: [String: String] = [:]
        for line in try run("pdfinfo", [path]).split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            info[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return info
    }

    /// `pdfimages -list` rows as (page, width, height, encoding).
    static func pdfImages(_ path: String) throws -> [(page: Int, width: Int, height: Int, encoding: String)] {
        try run("pdfimages", ["-list", path]).split(separator: "\n").dropFirst(2).compactMap { line in
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count > 8, let page = Int(f[0]), let w = Int(f[3]), let h = Int(f[4]) else { return nil }
            return (page, w, h, String(f[8]))
        }
    }
}

/// A session-shaped recording like the recorder writes: one live Matroska stream with "camera"
/// (320x240, 10 fps, keyframe every 2 s), "screen" (640x360, 2 fps, keyframe every 2 s) and
/// "microphone" (Opus) tracks, 30 s, written to a pipe so it has no cues. Encoded by ffmpeg's
/// libx264 and libopus; the first video frame is at 7 ms (Opus pre-skip shifts the file).
enum SessionRecordingFixture {
    static let firstFrame = 0.007

    static let bytes: [UInt8] = make(seconds: 30)

    /// A recording of `seconds` whose media time starts at `offset` (a resumed part continues the
    /// session clock).
    static func make(seconds: Int, offset: Double = 0) -> [UInt8] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-session-\(UUID().uuidString).mkv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try? Tool.run("bash", ["-c", """
            ffmpeg -nostdin -loglevel error \\
              -f lavfi -i testsrc=size=320x240:rate=10:duration=\(seconds) \\
              -f lavfi -i testsrc2=size=640x360:rate=2:duration=\(seconds) \\
              -f lavfi -i sine=frequency=440:sample_rate=48000:duration=\(seconds) \\
              -map 0:v -map 1:v -map 2:a -c:v libx264 -preset ultrafast -bf 0 -sc_threshold 0 -pix_fmt yuv420p \\
              -g:v:0 20 -g:v:1 4 -c:a libopus -b:a 32k \\
              -metadata:s:v:0 title=camera -metadata:s:v:1 title=screen -metadata:s:a:0 title=microphone \\
              -output_ts_offset \(offset) -live 1 -f matroska pipe:1 > \(path)
            """])
        return (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))) ?? []
    }
}
