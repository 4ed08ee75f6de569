import Encode
import ProctorModel

/// Evidence frames for flagged events: for each event, the camera and screen frames at its
/// evidence time, each decoded from the nearest keyframe before it through the recording's
/// keyframe index (one index pass per recording, then at most one GOP of decoding per frame).
final class EvidenceExtractor {
    /// One video stream of one part's recording.
    private struct Recording {
        let source: String
        let part: Int
        let reader: RecordingReader
        let stream: Int
        /// Media time range the recording's video covers.
        let start: Double
        let end: Double
    }

    private var recordings: [Recording] = []
    /// The microphone level, read in the same pass as the keyframe index.
    private(set) var levels: [ReportModel.AudioLevel] = []
    /// Seconds between level readings: the timeline chart of a 2-hour session has one
    /// column per ~9 s, so 2 s loses nothing visible and keeps the cost near 0.3 CPU s.
    static let levelInterval = 2.0
    /// Recordings that could not be read; reported on page 1 rather than failing the export.
    private(set) var problems: [String] = []
    /// Frames decoded in total, to show the index did its job (bench and tests read it).
    private(set) var framesDecoded = 0

    init(_ spools: [Int: any RecordedMedia]) {
        for (part, spool) in spools.sorted(by: { $0.key < $1.key }) where spool.size > 0 {
            do {
                let reader = try RecordingReader(try spool.source())
                let index = try reader.scan(audioLevelInterval: Self.levelInterval)
                levels += reader.audioLevels.map { ReportModel.AudioLevel(time: $0.time, dbfs: $0.dbfs) }
                for (n, video) in reader.videoStreams.enumerated() {
                    guard let first = index.times(stream: video.index).first else { continue }
                    let name = video.title.isEmpty ? (n == 0 ? "camera" : "video\(n + 1)") : video.title
                    recordings.append(Recording(source: name, part: part, reader: reader, stream: video.index, start: first,
                                                end: index.streamEnds[video.index] ?? first))
                }
            } catch let error as ProctorError {
                problems.append("the recording of part \(part) cannot be read: \(error.message)")
            } catch {
                problems.append("the recording of part \(part) cannot be read: \(error)")
            }
        }
    }

    /// Sources with video, in a stable order ("camera" before "screen").
    var sources: [String] { Array(Set(recordings.map(\.source))).sorted() }

    /// One frame per source at the event's evidence time (its start when none was chosen).
    func frames(for event: TimelineEvent, maxWidth: Int) -> [ReportModel.EvidenceFrame] {
        let time = event.evidenceTime ?? event.start
        var frames: [ReportModel.EvidenceFrame] = []
        for source in sources {
            // The part whose video covers the time; a time in a gap between parts has no frame.
            guard let recording = recordings.first(where: { $0.source == source && $0.start <= time + 0.001 && time <= $0.end }) else { continue }
            do {
                let evidence = try recording.reader.evidenceJPEG(at: time, stream: recording.stream, maxWidth: maxWidth)
                framesDecoded += recording.reader.lastDecodeCount
                frames.append(.init(time: evidence.time, source: source, jpeg: evidence.jpeg))
            } catch {
                problems.append("no \(source) frame could be decoded at \(ReportFormat.clock(time)): \(error.message)")
            }
        }
        return frames
    }

    /// The media time range each part's video covers, by bundle part.
    var partRanges: [Int: (start: Double, end: Double)] {
        Dictionary(grouping: recordings, by: \.part).mapValues { streams in
            (streams.map(\.start).min()!, streams.map(\.end).max()!)
        }
    }
}
