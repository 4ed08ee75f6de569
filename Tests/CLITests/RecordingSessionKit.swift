import Foundation
import XCTest
@testable import Exam
@testable import Seal

/// A signed exam, an instructor key and a session folder for recording tests, plus ways to
/// run the real `proctor` binary and read back what it sealed.
struct RecordingSessionKit {
    let directory: URL
    let sessions: URL
    let examURL: URL
    let identity: InstructorIdentity

    /// `toml` overrides go after a minimal exam (id "rec-test", 60 min, camera 640x480@30 and
    /// the microphone; the screen only when asked). It allows test sources: a real exam refuses
    /// `--camera test` (SourcePolicy), and these tests record from lavfi and files.
    init(extraSettings: String = "", faceAndIDPhotos: Bool = false, camera: Bool = true, screen: Bool = false,
         screenFramesPerSecond: Int? = nil, allowTestSources: Bool = true, examSettings: String = "") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-rec-\(UUID().uuidString)")
        sessions = directory.appendingPathComponent("sessions")
        try FileManager.default.createDirectory(at: sessions, withIntermediateDirectories: true)
        let toml = """
        [exam]
        id = "rec-test"
        title = "Recording test"
        time_limit_minutes = 60
        \(examSettings)

        [recording]
        allow_test_sources = \(allowTestSources)

        [recording.camera]
        fps = 30
        enabled = \(camera)

        [recording.screen]
        enabled = \(screen)
        \(screenFramesPerSecond.map { "fps = \($0)" } ?? "")

        [verification]
        face_photo = \(faceAndIDPhotos)
        id_photo = \(faceAndIDPhotos)
        \(extraSettings)
        """
        let settings = try ExamSettings.parse(toml: toml, fileName: "rec-test.toml", baseDirectory: directory)
        identity = try InstructorIdentity.generate(name: "dr-test")
        examURL = directory.appendingPathComponent("rec-test.exam")
        try Data(try ExamFile.encode(settings, signedBy: identity)).write(to: examURL)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    var environment: [String: String] {
        ["PROCTOR_DATA_DIR": sessions.path, "HOME": directory.path]
    }

    var bundles: [URL] {
        ((try? FileManager.default.contentsOfDirectory(at: sessions, includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.pathExtension == "proctor" }
    }

    var key: BundleKey { BundleKey(identity) }

    /// The decrypted records of a bundle, with the Matroska stream of each part reassembled.
    func read(_ bundle: URL) throws -> (records: [BundleRecord], parts: [UInt32: [UInt8]], mediaEnds: [Double]) {
        let reader = try BundleReader(contentsOf: bundle, key: key)
        var records: [BundleRecord] = []
        var parts: [UInt32: [UInt8]] = [:]
        var ends: [Double] = []
        while let record = try reader.next() {
            records.append(record)
            if record.type == .media, let payload = record.payload {
                let media = try RecordingRecords.decodeMedia(payload)
                parts[record.part, default: []] += media.matroska
                ends.append(media.mediaEnd)
            }
        }
        return (records, parts, ends)
    }

    func writeTemporary(_ bytes: [UInt8], name: String) throws -> URL {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }
}

/// ffprobe/ffmpeg over a media file: the independent reader the issue names.
enum MediaCheck {
    struct Stream { let codec: String; let type: String; let frames: Int; let duration: Double }

    static func run(_ tool: String, _ arguments: [String]) throws -> (out: String, err: String, status: Int32) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/\(tool)")
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self), process.terminationStatus)
    }

    /// Every stream with its decoded frame count and the time its last frame ends.
    static func streams(_ url: URL) throws -> [Stream] {
        let result = try run("ffprobe", ["-v", "error", "-count_frames", "-show_entries",
                                         "stream=codec_name,codec_type,nb_read_frames", "-of", "csv=p=0", url.path])
        return try result.out.split(separator: "\n").map { line in
            let fields = line.split(separator: ",").map(String.init)
            let type = fields[1]
            return Stream(codec: fields[0], type: type, frames: Int(fields[2]) ?? -1, duration: try lastFrameEnd(url, type: type))
        }
    }

    /// End of the last decoded frame of the first stream of `type` ("video"/"audio"), in seconds.
    static func lastFrameEnd(_ url: URL, type: String) throws -> Double {
        let selector = type == "video" ? "v:0" : "a:0"
        let result = try run("ffprobe", ["-v", "error", "-select_streams", selector, "-show_entries",
                                         "frame=pts_time,duration_time", "-of", "csv=p=0", url.path])
        var end = 0.0
        for line in result.out.split(separator: "\n") {
            let fields = line.split(separator: ",").compactMap { Double($0) }
            if let pts = fields.first { end = max(end, pts + (fields.count > 1 ? fields[1] : 0)) }
        }
        return end
    }

    /// What ffmpeg prints while decoding every frame: empty means no decode errors.
    static func decodeErrors(_ url: URL) throws -> String {
        try run("ffmpeg", ["-v", "error", "-i", url.path, "-f", "null", "-"]).err
    }
}
