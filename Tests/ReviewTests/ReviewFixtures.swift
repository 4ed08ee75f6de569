import Foundation
import TestTools
import XCTest
@testable import ProctorModel
@testable import Seal

/// Short real bundles for the review app: a 20 s session recording (camera 320x240 at 10 fps
/// with a keyframe every 2 s, screen 640x360 at 2 fps, an Opus tone; titled as `begin` titles
/// them), sealed in 8 KiB media records with flags, for an instructor key written to disk.
enum ReviewFixtures {
    static let firstFrame = SessionRecording.firstFrame
    static let recording = SessionRecording.twentySeconds

    /// The header every fixture bundle has: exam chem101, a fixed start, sealed to `identity`.
    private static func header(student: String, for identity: InstructorIdentity) -> BundleHeader {
        BundleHeader(examId: "chem101", examFileSHA256: SHA256.hash(Array("no exam file".utf8)), studentId: student,
                     sessionId: UUID().uuidString, startTime: Date(timeIntervalSince1970: 1_795_000_000),
                     recipients: [BundleRecipient(identity.recipientKey)], cipher: .aes256GCM)
    }

    /// A finished one-part bundle `NAME.proctor` in `directory` with `flags` (start, end, kind).
    static func bundle(_ name: String, student: String, flags: [(Double, Double, String)], in directory: URL,
                       for identity: InstructorIdentity) throws -> URL {
        let url = directory.appendingPathComponent(name + ".proctor")
        let header = header(student: student, for: identity)
        let writer = try BundleWriter(creating: url, header: header)
        try part(0, of: writer, start: 0, media: recording, flags: flags, student: student, startedAt: header.startTime)
        _ = try writer.finish(mediaDuration: 20)
        return url
    }

    /// A session that crashed and was resumed: part 0 is the 20 s recording (0–20 s), cut off
    /// without its part-end record; `begin --resume` then recorded part 1 from 30 s to 50 s
    /// (`SessionRecording.resumedPart`, other pictures), so there is a 10 s gap between them.
    static func resumedBundle(_ name: String, student: String, flags: [(Double, Double, String)], in directory: URL,
                              for identity: InstructorIdentity) throws -> URL {
        let url = directory.appendingPathComponent(name + ".proctor")
        let header = header(student: student, for: identity)
        let resumed = SessionRecording.resumedStart
        do {
            let writer = try BundleWriter(creating: url, header: header)
            try part(0, of: writer, start: 0, media: recording, flags: flags.filter { $0.0 < resumed }, student: student, startedAt: header.startTime)
            try writer.sync()
        }
        let writer = try BundleWriter.resume(at: url)
        try part(1, of: writer, start: resumed, media: SessionRecording.resumedPart, flags: flags.filter { $0.0 >= resumed }, student: student,
                 startedAt: header.startTime.addingTimeInterval(resumed + 5))
        _ = try writer.finish(mediaDuration: 40)
        return url
    }

    /// One part's records as a recorder seals them: metadata, then the media in 8 KiB records
    /// (each ending `20 s` of media linearly from `start`), each flag sealed once its end is reached.
    private static func part(_ number: UInt32, of writer: BundleWriter, start: Double, media: [UInt8], flags: [(Double, Double, String)],
                             student: String, startedAt: Date) throws {
        let metadata = SessionMetadata(software: "proctor test", examId: "chem101", examTitle: "Chemistry midterm", studentId: student,
                                       part: number, mediaOffset: start, startedAt: startedAt, sources: ["camera": "test"],
                                       camera: "320x240 at 10 fps", screen: "640x360 at 2 fps", microphone: "48000 Hz",
                                       timeLimitSeconds: 3600, hostname: "test")
        try writer.append(.metadata, RecordingRecords.metadata(metadata))
        var pending = flags.map { start, end, kind in
            TimelineEvent(kind: kind, detector: "test", severity: .flag, start: start, end: end, measured: ["seconds": end - start],
                          thresholds: ["seconds": 2], message: "\(kind) for \(end - start) s.")
        }
        var offset = 0
        while offset < media.count {
            let end = min(media.count, offset + 8192)
            let mediaEnd = start + 20 * Double(end) / Double(media.count)
            try media[offset..<end].withUnsafeBytes { try writer.append(.media, RecordingRecords.media($0, mediaEnd: mediaEnd)) }
            while let next = pending.firstIndex(where: { ($0.end ?? $0.start) <= mediaEnd }) {
                try writer.append(.timeline, RecordingRecords.timeline(pending.remove(at: next)))
            }
            offset = end
        }
    }
}

/// `proctor review` as a user runs it: the built binary, its URL read from stdout, stopped with SIGTERM.
final class ReviewProcess {
    let process = Process()
    let url: URL
    var port: Int { url.port ?? 0 }
    var token: String { URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems?.first { $0.name == "token" }?.value ?? "" }

    /// `cache`: the summary cache folder (XDG_CACHE_HOME), never the user's own.
    init(_ arguments: [String], cache: URL) throws {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var binary = directory.appendingPathComponent("proctor")
        for _ in 0..<4 where !FileManager.default.isExecutableFile(atPath: binary.path) {
            directory.deleteLastPathComponent()
            binary = directory.appendingPathComponent("proctor")
        }
        process.executableURL = binary
        process.arguments = ["review"] + arguments + ["--no-browser"]
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "DISPLAY")
        environment["XDG_CACHE_HOME"] = cache.path
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The one line it prints once the port is bound.
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw NSError(domain: "proctor review exited before printing its URL", code: 1) }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: "http://"), let url = URL(string: String(text[range.lowerBound...]).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw NSError(domain: "no URL in: \(text)", code: 1)
        }
        self.url = url
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    deinit { stop() }
}
