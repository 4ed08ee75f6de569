import Foundation
import ProctorModel
import Seal

/// Gathers what one bundle holds, record by record in file order: timeline events, photos,
/// session facts, and the media streams (spooled to private temporary files, never held in
/// memory). Payload decoding happens before this type; it only sees typed values.
final class SessionCollector {
    private(set) var events: [TimelineEvent] = []
    /// The bundle part each of `events` was sealed in.
    private var eventParts: [Int] = []
    /// Per part, the media time its last authentic media record reaches.
    private(set) var mediaEnds: [Int: Double] = [:]
    var idPhoto: [UInt8]?
    var facePhoto: [UInt8]?
    var facts = SessionFacts()
    /// Each part's Matroska stream (camera, screen and microphone tracks together), by part.
    private(set) var spools: [Int: any RecordedMedia] = [:]
    private var files: [Int: MediaSpool] = [:]
    /// Review: per part, where its media lies in the sealed records (nothing is decrypted to a file).
    private var sealedEntries: [Int: [SealedPartMedia.Entry]] = [:]
    private let directory: SpoolDirectory

    init(spoolInside parent: URL) throws(ProctorError) {
        directory = try SpoolDirectory(inside: parent)
    }

    func add(_ events: [TimelineEvent], part: Int = 0) {
        self.events.append(contentsOf: events)
        eventParts.append(contentsOf: Array(repeating: part, count: events.count))
    }

    func addMedia(part: Int, bytes: some Collection<UInt8>, mediaEnd: Double? = nil) throws(ProctorError) {
        if let mediaEnd { mediaEnds[part] = max(mediaEnds[part] ?? mediaEnd, mediaEnd) }
        if files[part] == nil {
            let spool = try MediaSpool(directory: directory.url, name: "part\(part).mkv")
            files[part] = spool
            spools[part] = spool
        }
        try files[part]!.append(Array(bytes))
    }

    /// Where a part's media ends, from a media record's sealed `mediaEnd` (the last one of the
    /// part, when the others were skipped).
    func noteMediaEnd(part: Int, _ mediaEnd: Double) {
        mediaEnds[part] = max(mediaEnds[part] ?? mediaEnd, mediaEnd)
    }

    /// Each part's media range from what was sealed, without opening the recording: from where
    /// its metadata says its media starts to its last media record's `mediaEnd`. The review app
    /// uses it instead of the recording's own video ranges (`EvidenceExtractor.partRanges`,
    /// which decrypt and demux every media record), so a class lists without touching media.
    var sealedPartRanges: [Int: (start: Double, end: Double)] {
        Dictionary(uniqueKeysWithValues: mediaEnds.map { part, end in (part, (facts.partStarts[part]?.media ?? 0, end)) })
    }

    /// A media record left sealed: only where it is and how many stream bytes it holds.
    func indexMedia(part: Int, count: Int, mediaEnd: Double?, location: RecordLocation) {
        if let mediaEnd { mediaEnds[part] = max(mediaEnds[part] ?? mediaEnd, mediaEnd) }
        let start = sealedEntries[part]?.last.map { $0.start + Int64($0.count) } ?? 0
        sealedEntries[part, default: []].append(.init(start: start, count: count, location: location))
    }

    /// Once the bundle is read: the indexed parts become readable media over `bundle`.
    func useSealedMedia(_ bundle: SealedBundleMedia) {
        for (part, entries) in sealedEntries { spools[part] = SealedPartMedia(bundle, entries: entries) }
    }

    /// Timeline in time order (records arrive in write order, which is nearly but not exactly
    /// time order: a detector closes an interval after it started). An open event superseded
    /// by its closing one is left out; one whose end was never sealed runs to the last media
    /// time of its part (`partEnds`, else what its media records reached).
    func timeline(partEnds: [Int: Double] = [:]) -> [TimelineEvent] {
        let resolved = TimelineEvent.resolvingOpen(events) { index, _ in
            let part = eventParts[index]
            return mediaEnds[part] ?? partEnds[part]
        }
        return resolved.enumerated().sorted { ($0.element.start, $0.offset) < ($1.element.start, $1.offset) }.map(\.element)
    }
}

/// Session facts from the bundle's header and metadata records.
struct SessionFacts: Sendable {
    var studentID = "unknown"
    var studentName: String?
    var examID = "unknown"
    var examTitle: String?
    var startedAt: Date?
    var endedAt: Date?
    /// Per bundle part: the media time it starts at and its wall-clock start, from its metadata.
    var partStarts: [Int: (media: Double, wall: Date)] = [:]
    var settings: [ReportModel.Setting] = []
    /// What the session itself sealed about its set-up (devices, rates, software), per part.
    var recorded: [ReportModel.Setting] = []
    var accommodations: [String] = []
    /// Some part was recorded with `begin --practice`.
    var practice = false
    /// Who issued the exam the header names (set once the exam folders are searched).
    var issuer: ReportModel.ExamIssuer?
    /// The exam's collection server's attestation, when a trusted exam names one.
    var attestation: ReportModel.Attestation?
}
