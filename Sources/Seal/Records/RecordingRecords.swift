import Foundation
import ProctorModel

/// Plaintext layouts of the records a recording session seals (docs/bundle-format.md,
/// "Recording payloads"). Integers are little-endian; times are session-clock microseconds.
public enum RecordingRecords {
    public static let layoutVersion: UInt8 = 1

    // MARK: media

    /// `version u8 | mediaEnd u64 µs | Matroska bytes`. The bytes continue this part's
    /// Matroska stream; `mediaEnd` is where playable media ends once this record is read.
    public static func media(_ bytes: UnsafeRawBufferPointer, mediaEnd: Double) -> [UInt8] {
        var payload = header(time: mediaEnd)
        payload.append(contentsOf: bytes)
        return payload
    }

    /// The Matroska bytes and media end time of a media payload.
    public static func decodeMedia(_ payload: [UInt8]) throws(ProctorError) -> (mediaEnd: Double, matroska: ArraySlice<UInt8>) {
        let time = try decodeHeader(payload, type: "media")
        return (time, payload[9...])
    }

    // MARK: photo

    /// `version u8 | taken u64 µs | kind length u8 | kind UTF-8 ("id" or "face") | JPEG bytes`.
    public static func photo(kind: String, time: Double, jpeg: [UInt8]) -> [UInt8] {
        let name = Array(kind.utf8.prefix(255))
        return header(time: time) + [UInt8(name.count)] + name + jpeg
    }

    public static func decodePhoto(_ payload: [UInt8]) throws(ProctorError) -> (kind: String, time: Double, jpeg: ArraySlice<UInt8>) {
        let time = try decodeHeader(payload, type: "photo")
        guard payload.count >= 10, payload.count >= 10 + Int(payload[9]) else { throw malformed("photo") }
        let end = 10 + Int(payload[9])
        return (String(decoding: payload[10..<end], as: UTF8.self), time, payload[end...])
    }

    // MARK: timeline and metadata

    /// One `TimelineEvent` as UTF-8 JSON (sorted keys), one event per record so that each is
    /// sealed the moment it happens.
    public static func timeline(_ event: TimelineEvent) -> [UInt8] {
        Array((try? encoder.encode(event)) ?? Data())
    }

    public static func decodeTimeline(_ payload: [UInt8]) throws(ProctorError) -> TimelineEvent {
        do { return try decoder.decode(TimelineEvent.self, from: Data(payload)) } catch { throw malformed("timeline") }
    }

    /// `SessionMetadata` as UTF-8 JSON, one record at the start of each part.
    public static func metadata(_ metadata: SessionMetadata) -> [UInt8] {
        Array((try? encoder.encode(metadata)) ?? Data())
    }

    public static func decodeMetadata(_ payload: [UInt8]) throws(ProctorError) -> SessionMetadata {
        do { return try decoder.decode(SessionMetadata.self, from: Data(payload)) } catch { throw malformed("metadata") }
    }

    /// For `BundleReader.mediaClock`: the media time a record's plaintext ends at, if any.
    @Sendable public static func mediaTime(_ type: RecordType, _ payload: [UInt8]) -> Double? {
        switch type {
        case .media, .photo: return try? decodeHeader(payload, type: "")
        case .timeline: return (try? decodeTimeline(payload)).map { $0.end ?? $0.start }
        default: return nil
        }
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    private static func header(time: Double) -> [UInt8] {
        let micros = UInt64(max(0, (time * 1e6).rounded()))
        return [layoutVersion] + (0..<8).map { UInt8(truncatingIfNeeded: micros >> ($0 * 8)) }
    }

    private static func decodeHeader(_ payload: [UInt8], type: String) throws(ProctorError) -> Double {
        guard payload.count >= 9, payload[0] == layoutVersion else { throw malformed(type) }
        let micros = (1...8).reduce(UInt64(0)) { $0 | UInt64(payload[$1]) << (($1 - 1) * 8) }
        return Double(micros) / 1e6
    }

    private static func malformed(_ type: String) -> ProctorError {
        ProctorError(.badData, "a \(type) record has a layout this proctor version does not know")
    }
}

/// Session facts sealed at the start of every part.
public struct SessionMetadata: Codable, Sendable, Equatable {
    public var format = "proctor.session/1"
    public var software: String
    public var examId: String
    public var examTitle: String
    public var studentId: String
    public var part: UInt32
    /// Session-clock seconds at which this part's media starts (0 for the first part).
    public var mediaOffset: Double
    /// Wall-clock start of this part (informational: media times never use it).
    public var startedAt: Date
    /// What each source resolved to, e.g. ["camera": "v4l2:/dev/video0", "mic": "alsa:default"].
    public var sources: [String: String]
    /// Sizes, rates and bitrates in force.
    public var camera: String?
    public var screen: String?
    public var microphone: String?
    public var timeLimitSeconds: Double
    public var hostname: String
    /// true: recorded with `proctor begin --practice`, not an exam attempt (absent otherwise).
    public var practice: Bool?

    package init(software: String, examId: String, examTitle: String, studentId: String, part: UInt32, mediaOffset: Double, startedAt: Date, sources: [String: String], camera: String? = nil, screen: String? = nil, microphone: String? = nil, timeLimitSeconds: Double, hostname: String, practice: Bool? = nil) {
        self.software = software
        self.examId = examId
        self.examTitle = examTitle
        self.studentId = studentId
        self.part = part
        self.mediaOffset = mediaOffset
        self.startedAt = startedAt
        self.sources = sources
        self.camera = camera
        self.screen = screen
        self.microphone = microphone
        self.timeLimitSeconds = timeLimitSeconds
        self.hostname = hostname
        self.practice = practice
    }
}
