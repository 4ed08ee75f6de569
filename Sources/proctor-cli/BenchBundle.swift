import ArgumentParser
import Encode
import Foundation
import Exam
import ProctorModel
import Seal

extension Proctor {
    /// Hidden: seals pre-encoded media into a bundle the way a recording of the same length is
    /// sealed, far faster than real time, so `make bench` can export a 2-hour session without
    /// recording for 2 hours (docs/benchmarks.md, "Generated bundles").
    struct BenchBundle: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench-bundle",
            abstract: "Write a sealed bundle of the given length from pre-encoded media (benchmarks only).",
            shouldDisplay: false
        )
        @OptionGroup var global: GlobalOptions
        @Option(help: "The signed exam file the session runs under (its recipients can open the bundle).")
        var exam: String
        @Option(help: "A Matroska file (camera and microphone, as a recording writes them) to seal as the media.")
        var media: String
        @Option(help: "The media's duration in seconds.")
        var seconds: Double
        @Option(help: "Flagged events per hour of media, spread evenly.")
        var eventsPerHour: Double = 30
        @Option(help: "Student id written into the header.")
        var student = "bench"
        @Option(name: [.short, .long], help: "The bundle to write.")
        var output: String

        mutating func run() async throws {
            guard seconds > 0, eventsPerHour >= 0 else {
                throw ValidationError("--seconds must be positive and --events-per-hour not negative")
            }
            let examFile = try ExamFile.load(URL(fileURLWithPath: exam))
            let generator = SyntheticSession(exam: examFile, student: student, mediaSeconds: seconds, eventsPerHour: eventsPerHour)
            let summary = try generator.write(media: URL(fileURLWithPath: media), to: URL(fileURLWithPath: output))
            print(#"{"records":\#(summary.records),"mediaBytes":\#(summary.mediaBytes),"events":\#(summary.events),"bytes":\#(summary.bytes)}"#)
        }
    }
}

/// A recording session made up from finished media: the records a real session seals, in the
/// order it seals them (metadata, photos, then media every quarter second of media time with
/// timeline events interleaved where they end), through the same `BundleWriter` and payload
/// layouts (`RecordingRecords`).
struct SyntheticSession {
    let exam: ExamFile
    let student: String
    let mediaSeconds: Double
    let eventsPerHour: Double
    /// An attempt ticket for the session header (`bench-server-load`), nil for none.
    var ticket: [UInt8]? = nil
    /// Called after each media record with the writer and the media time sealed so far, while
    /// the part key still exists: where `bench-server-load` signs its checkpoints.
    var afterMedia: ((BundleWriter, Double) throws(ProctorError) -> Void)? = nil

    /// What a recording seals per media record (Session/Recording/SealedRecording.swift).
    static let recordSeconds = 0.25
    /// The flagged behaviours a generated session shows, in turn, each for `eventSeconds`.
    static let flagged: [(kind: String, detector: String, message: String)] = [
        ("face.missing", "faces", "No face was visible to the camera."),
        ("audio.speech", "audio", "Sustained speech was heard."),
        ("gaze.away", "faces", "The head was turned away from the screen."),
        ("face.multiple", "faces", "Two faces were visible to the camera."),
    ]
    static let eventSeconds = 8.0

    struct Summary { var records = 0, mediaBytes = 0, events = 0, bytes = 0 }

    func write(media: URL, to output: URL) throws(ProctorError) -> Summary {
        guard let input = FileHandle(forReadingAtPath: media.path) else {
            throw ProctorError(.missingInput, "cannot read the media file \(media.path)")
        }
        defer { try? input.close() }
        let mediaBytes = (try? FileManager.default.attributesOfItem(atPath: media.path)[.size] as? Int) ?? 0
        guard mediaBytes > 0 else { throw ProctorError(.badData, "the media file \(media.path) is empty") }

        var header = try BundleHeader(examId: exam.settings.id, examFileSHA256: exam.sha256, studentId: student,
                                      sessionId: UUID().uuidString.lowercased(), startTime: Date(),
                                      recipients: exam.settings.recipients.map(BundleRecipient.init))
        header.attemptTicket = ticket
        let writer = try BundleWriter(creating: output, header: header)
        var summary = Summary()
        func append(_ type: RecordType, _ payload: [UInt8]) throws(ProctorError) {
            try writer.append(type, payload)
            summary.records += 1
        }
        try append(.metadata, try metadata())
        for kind in ["id", "face"] {
            try append(.photo, RecordingRecords.photo(kind: kind, time: 0, jpeg: try photo()))
        }

        // Media: byte offsets map linearly onto media time (the camera is encoded at a constant
        // bitrate), so each record carries about a quarter second, as a live recording's do.
        var events = self.events()[...]
        let chunk = max(4096, Int(Double(mediaBytes) / mediaSeconds * Self.recordSeconds))
        var consumed = 0
        while true {
            let bytes: Data
            do {
                guard let read = try input.read(upToCount: chunk), !read.isEmpty else { break }
                bytes = read
            } catch {
                throw ProctorError(.io, "cannot read the media file \(media.path)", detail: "\(error)")
            }
            consumed += bytes.count
            let mediaEnd = mediaSeconds * Double(consumed) / Double(mediaBytes)
            try append(.media, bytes.withUnsafeBytes { RecordingRecords.media($0, mediaEnd: mediaEnd) })
            summary.mediaBytes += bytes.count
            try afterMedia?(writer, mediaEnd)
            while let event = events.first, (event.end ?? event.start) <= mediaEnd {
                try append(.timeline, RecordingRecords.timeline(event))
                summary.events += 1
                events.removeFirst()
            }
        }
        for event in events {
            try append(.timeline, RecordingRecords.timeline(event))
            summary.events += 1
        }
        _ = try writer.finish(mediaDuration: mediaSeconds)
        summary.bytes = (try? FileManager.default.attributesOfItem(atPath: output.path)[.size] as? Int) ?? 0
        return summary
    }

    /// Flagged events evenly spread over the session, plus the session's start and end.
    func events() -> [TimelineEvent] {
        let count = Int(mediaSeconds / 3600 * eventsPerHour)
        var events = [TimelineEvent(kind: "session.start", detector: "session", severity: .info, start: 0,
                                    message: "Recording started (generated benchmark session).")]
        for index in 0..<count {
            let flagged = Self.flagged[index % Self.flagged.count]
            let start = (Double(index) + 0.5) * mediaSeconds / Double(count)
            let end = min(mediaSeconds, start + Self.eventSeconds)
            events.append(TimelineEvent(kind: flagged.kind, detector: flagged.detector, severity: .flag, start: start, end: end,
                                        confidence: 0.9, evidenceTime: (start + end) / 2,
                                        measured: ["seconds": end - start], thresholds: ["minimumSeconds": 5],
                                        message: flagged.message))
        }
        events.append(TimelineEvent(kind: "session.end", detector: "session", severity: .info, start: mediaSeconds,
                                    message: "Recording ended (generated benchmark session)."))
        return events
    }

    /// The part-0 metadata record, built as JSON and checked by the recording's own decoder
    /// (`SessionMetadata` has no public initialiser; its JSON form is the public contract).
    private func metadata() throws(ProctorError) -> [UInt8] {
        let fields: [String: Any] = [
            "format": "proctor.session/1", "software": "proctor \(ProctorVersion.string) bench-bundle",
            "examId": exam.settings.id, "examTitle": exam.settings.title, "studentId": student,
            "part": 0, "mediaOffset": 0, "startedAt": ISO8601DateFormatter().string(from: Date()),
            "sources": ["camera": "file (pre-encoded)", "mic": "file (pre-encoded)"],
            "camera": "640x480 30 fps 500 kbit/s", "microphone": "48000 Hz mono 32 kbit/s",
            "timeLimitSeconds": exam.settings.timeLimitSeconds, "hostname": ProcessInfo.processInfo.hostName,
        ]
        let json: Data
        do {
            json = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        } catch {
            throw ProctorError(.internalFailure, "cannot build the session metadata", detail: "\(error)")
        }
        return RecordingRecords.metadata(try RecordingRecords.decodeMetadata(Array(json)))
    }

    /// A plain gradient standing in for the ID and face photos (JPEG, as the camera's are).
    private func photo() throws(ProctorError) -> [UInt8] {
        let (width, height) = (320, 240)
        let pixels = (0..<(width * height)).map { UInt8(truncatingIfNeeded: ($0 % width + $0 / width) / 2) }
        do {
            return try StillImage.encodeJPEG(AnalysisImage(width: width, height: height, format: .gray8, pixels: pixels, time: 0))
        } catch {
            throw ProctorError(.internalFailure, "cannot encode the stand-in photo", detail: error.message)
        }
    }
}
