import Foundation
import ProctorModel

/// Everything one student's report shows, as plain values: the PDF, JSON and CSV writers read
/// only this, and `ReportBuilder` fills it from a verified bundle. Times are media seconds on the
/// session clock (the same clock as the timeline and the recorded streams) unless a field is a Date.
public struct ReportModel: Sendable, Equatable {
    public var student: Student
    public var exam: Exam
    /// Wall-clock start of the first part and end of the last (as the student's machine saw it).
    public var startedAt: Date?
    public var endedAt: Date?
    /// Recorded media seconds across all parts.
    public var duration: Double
    public var parts: [Part]
    public var integrity: Integrity
    /// Who issued the exam and who attests the bundle's origin: separate from integrity.
    public var provenance: Provenance
    /// Recorded with `proctor begin --practice`: a try-out, not an exam attempt.
    public var practice: Bool
    public var suspicion: Suspicion
    public var coverage: [Coverage]
    public var settings: [Setting]
    public var accommodations: [String]
    /// JPEG bytes, as sealed by the session (nil when the bundle has none).
    public var idPhoto: [UInt8]?
    public var facePhoto: [UInt8]?
    /// The whole timeline in time order.
    public var timeline: [TimelineEvent]
    /// Microphone level over time, for the trace under the timeline chart.
    public var audioLevels: [AudioLevel]
    /// Evidence frames per flagged event, keyed by the event's index in `timeline`.
    public var evidence: [Int: [EvidenceFrame]]
    /// The instructor's signed review (`NAME.proctor.review.json`), when there is one.
    public var review: ReviewOutcome?

    public init(student: Student, exam: Exam, startedAt: Date? = nil, endedAt: Date? = nil, duration: Double,
                parts: [Part] = [], integrity: Integrity, provenance: Provenance = Provenance(), practice: Bool = false,
                suspicion: Suspicion, coverage: [Coverage] = [],
                settings: [Setting] = [], accommodations: [String] = [], idPhoto: [UInt8]? = nil,
                facePhoto: [UInt8]? = nil, timeline: [TimelineEvent] = [], audioLevels: [AudioLevel] = [],
                evidence: [Int: [EvidenceFrame]] = [:]) {
        self.student = student
        self.exam = exam
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.duration = duration
        self.parts = parts
        self.integrity = integrity
        self.provenance = provenance
        self.practice = practice
        self.suspicion = suspicion
        self.coverage = coverage
        self.settings = settings
        self.accommodations = accommodations
        self.idPhoto = idPhoto
        self.facePhoto = facePhoto
        self.timeline = timeline
        self.audioLevels = audioLevels
        self.evidence = evidence
    }

    public struct Student: Sendable, Codable, Equatable {
        public var id: String
        public var name: String?
        public init(id: String, name: String? = nil) { self.id = id; self.name = name }
    }

    public struct Exam: Sendable, Codable, Equatable {
        public var id: String
        public var title: String?
        public init(id: String, title: String? = nil) { self.id = id; self.title = title }
    }

    /// One recorded part: a session that was interrupted and resumed has several.
    public struct Part: Sendable, Codable, Equatable {
        public var index: Int
        /// Media seconds at which the part's recording starts and ends.
        public var start: Double
        public var end: Double
        public var startedAt: Date?
        public var endedAt: Date?
        public init(index: Int, start: Double, end: Double, startedAt: Date? = nil, endedAt: Date? = nil) {
            self.index = index
            self.start = start
            self.end = end
            self.startedAt = startedAt
            self.endedAt = endedAt
        }
        public var duration: Double { end - start }
    }

    /// What verification found. A report is still produced for a bundle that fails, from what
    /// verified, and says so on page 1.
    public struct Integrity: Sendable, Codable, Equatable {
        public enum Status: String, Sendable, Codable {
            /// Every record authentic, every part ended, the signed final record matches.
            case verified
            /// Every record read is authentic, but the recording stopped before it was finished
            /// (a crash without `submit`): its end cannot be vouched for.
            case incomplete
            /// A record, header or signature does not match: something was changed or damaged.
            case failed
            /// Not verified yet: only a first look (the review app's class list read the timeline
            /// and skipped the media, so the hash chain and the media records are unchecked).
            /// Never the result of `proctor export`, which always verifies every record.
            case unchecked = "not yet checked"
        }

        public var status: Status
        public var recordsVerified: Int
        public var recordsRejected: Int
        /// One sentence per problem (which record, what failed).
        public var problems: [String]

        public init(status: Status, recordsVerified: Int, recordsRejected: Int = 0, problems: [String] = []) {
            self.status = status
            self.recordsVerified = recordsVerified
            self.recordsRejected = recordsRejected
            self.problems = problems
        }

        public init(verified: Bool, recordsVerified: Int, recordsRejected: Int = 0, problems: [String] = []) {
            self.init(status: verified ? .verified : .failed, recordsVerified: recordsVerified,
                      recordsRejected: recordsRejected, problems: problems)
        }

        public var verified: Bool { status == .verified }

        /// The one line the report, the CSV and the class overview all print. It speaks of the
        /// seals only; where the bundle comes from is `Provenance`, stated beside it.
        public var line: String {
            let first = problems.first.map { ": \($0)" } ?? ""
            switch status {
            case .verified:
                return "INTEGRITY VERIFIED: all \(recordsVerified) records authentic and complete"
            case .incomplete:
                return "INTEGRITY INCOMPLETE: \(recordsVerified) records authentic, but the recording was not finished\(first)"
            case .failed:
                return "INTEGRITY FAILED: \(recordsRejected) record(s) rejected, \(recordsVerified) verified\(first)"
            case .unchecked:
                return "INTEGRITY NOT YET CHECKED: \(recordsVerified) records read and authentic, the media and the hash chain not checked yet"
            }
        }
    }

    /// The suspicion score (0 to 100) and what it is made of.
    public struct Suspicion: Sendable, Codable, Equatable {
        public var score: Double
        public var contributions: [Contribution]
        public init(score: Double, contributions: [Contribution] = []) {
            self.score = score
            self.contributions = contributions
        }

        public struct Contribution: Sendable, Codable, Equatable {
            public var kind: String
            public var events: Int
            public var seconds: Double
            public var points: Double
            public init(kind: String, events: Int, seconds: Double, points: Double) {
                self.kind = kind
                self.events = events
                self.seconds = seconds
                self.points = points
            }
        }
    }

    /// How much of the session a detector could evaluate.
    public struct Coverage: Sendable, Codable, Equatable {
        public var detector: String
        public var evaluatedSeconds: Double
        public var totalSeconds: Double
        public var note: String?
        public init(detector: String, evaluatedSeconds: Double, totalSeconds: Double, note: String? = nil) {
            self.detector = detector
            self.evaluatedSeconds = evaluatedSeconds
            self.totalSeconds = totalSeconds
            self.note = note
        }
        public var fraction: Double { totalSeconds > 0 ? min(1, evaluatedSeconds / totalSeconds) : 0 }
    }

    public struct Setting: Sendable, Codable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) { self.name = name; self.value = value }
    }

    public struct AudioLevel: Sendable, Codable, Equatable {
        public var time: Double
        /// RMS level in dBFS (0 is full scale, -90 is silence).
        public var dbfs: Double
        public init(time: Double, dbfs: Double) { self.time = time; self.dbfs = dbfs }
    }

    public struct EvidenceFrame: Sendable, Equatable {
        /// Media time of the decoded frame (the frame at or just after the requested time).
        public var time: Double
        /// Which recording it came from ("camera" or "screen").
        public var source: String
        public var jpeg: [UInt8]
        public init(time: Double, source: String, jpeg: [UInt8]) {
            self.time = time
            self.source = source
            self.jpeg = jpeg
        }
    }

    /// Sources recorded from something other than a device (`source.untrusted` flags).
    public var untrustedSources: [TimelineEvent] { timeline.filter { $0.kind == "source.untrusted" } }

    /// Flagged events with their index in `timeline`, in time order.
    public var flagged: [(index: Int, event: TimelineEvent)] {
        timeline.enumerated().filter { $0.element.severity == .flag }.map { ($0.offset, $0.element) }
    }

    /// Minutes covered by flagged spans (overlaps counted once).
    public var flaggedMinutes: Double {
        let spans = flagged.map { ($0.event.start, max($0.event.start, $0.event.end ?? $0.event.start)) }.sorted { $0.0 < $1.0 }
        var total = 0.0, current: (Double, Double)?
        for span in spans {
            if let c = current, span.0 <= c.1 {
                current = (c.0, max(c.1, span.1))
            } else {
                if let c = current { total += c.1 - c.0 }
                current = span
            }
        }
        if let c = current { total += c.1 - c.0 }
        return total / 60
    }

    /// Pauses between parts (media time does not advance during them; wall-clock gaps come from
    /// the parts' dates when known).
    public var gaps: [(afterPart: Int, seconds: Double?)] {
        zip(parts, parts.dropFirst()).map { previous, next in
            let seconds = zip2(previous.endedAt, next.startedAt).map { $0.1.timeIntervalSince($0.0) }
            return (previous.index, seconds)
        }
    }
}

private func zip2<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
