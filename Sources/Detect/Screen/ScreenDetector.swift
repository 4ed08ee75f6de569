import ProctorModel

/// Never a silently black screen recording: under Wayland, x11grab sees only the XWayland
/// server and "succeeds" with uniformly black frames. For the first `startSeconds` of the
/// recording this watches the screen pictures; when every one of them is uniformly black, or
/// identical to the first, or none arrives at all, it writes `screen.blank` (coverage: the
/// screen could not be judged, never counted against the student) and a `warning.shown` that
/// the session puts on the status line at once. The interval ends when the screen shows a
/// picture that is neither black nor the first one again, or at the end of the recording.
///
/// Only the start is judged: a desktop may rightly stay still for minutes later on, but in the
/// first seconds the terminal that started proctor prints its status line every second, so a
/// visible desktop changes.
public struct ScreenDetector: Detector {
    public static let id = EventKind.Writer.screen

    public enum Defaults {
        /// One picture a second is plenty to tell a black or frozen capture from a desktop.
        public static let samplesPerSecond = 1.0
        /// How long the start is watched before the screen is called blank (issue 17).
        public static let startSeconds = 5.0
        /// Uniformly black: the camera detector's blackdetect thresholds (almost every pixel
        /// at or below 0.10 of range, and no structure left).
        public static let blackShare = CameraDetector.Defaults.blackShare
        public static let blackContrast = CameraDetector.Defaults.blockedContrast
        /// x11grab is lossless and the scaler deterministic: an unchanged desktop scales to the
        /// same bytes. Two levels absorb rounding; a moved cursor or a new character is more.
        public static let unchangedLevels = 2
    }

    /// 160x90 gray: a 16:9 desktop fits exactly, and a black or still picture needs no more.
    public static var analysis: AnalysisRequest {
        AnalysisRequest(width: 160, height: 90, format: .gray8, framesPerSecond: Defaults.samplesPerSecond)
    }

    /// Why the screen recording is blank; the events' `subject`.
    public enum Reason: String, Sendable {
        case black, unchanged, noFrames

        /// What the student is told. `throughPortal`: the screen comes through the desktop's
        /// own screen share already, so "use the portal" would be no help; the share itself is
        /// what failed (stopped, or showing a monitor that does not change).
        func warning(throughPortal: Bool) -> String {
            if throughPortal {
                let cause = switch self {
                case .black: "The screen recording is black: the desktop's screen share sends a black picture."
                case .unchanged: "The screen recording has not changed since it started: if your screen did change, the desktop's screen share is not sending it."
                case .noFrames: "The desktop's screen share delivers no pictures."
                }
                return "\(cause) Check that you shared every monitor in the desktop's dialog and that the share is still on "
                    + "(end the exam's share in the desktop and start again to choose again); or tell your instructor."
            }
            let cause = switch self {
            case .black: "The screen recording is black: proctor cannot see this desktop (a Wayland session?)."
            case .unchanged: "The screen recording has not changed since it started: if your screen did change, proctor cannot see this desktop (a Wayland session?)."
            case .noFrames: "The screen capture delivers no pictures: proctor cannot see this desktop."
            }
            // x11grab under Wayland sees only XWayland: the way out is the portal path.
            return "\(cause) On a Wayland desktop, start again with --screen portal (the desktop asks to share the screen); "
                + "or tell your instructor."
        }

        var description: String {
            switch self {
            case .black: "every screen picture was uniformly black"
            case .unchanged: "every screen picture was identical to the first"
            case .noFrames: "the screen capture delivered no picture"
            }
        }
    }

    public var samplesPerSecond: Double { Defaults.samplesPerSecond }
    public var imageSource: SourceRole { .screen }
    public var tickInterval: Double? { 1 }
    public var evaluatedSeconds: Double { coverage.seconds }

    private var first: AnalysisImage?
    private var allBlack = true
    /// The start of the wait for a first picture; follows the clock back if it restarts.
    private var waitingSince: Double?
    /// True once the start showed a live desktop: nothing more to judge.
    private var settled = false
    private var blank: (start: Double, reason: Reason)?
    private var coverage = CoverageClock(maximumStep: 2 / Defaults.samplesPerSecond)

    /// The screen comes through the ScreenCast portal, not x11grab: only the warning's advice differs.
    private let throughPortal: Bool

    /// nil when `screen.blank` is turned off for this exam or student.
    public init?(settings: DetectionSettings, throughPortal: Bool = false) {
        guard settings.config(for: "screen.blank") != nil else { return nil }
        self.throughPortal = throughPortal
    }

    /// The judgement precheck shares with the recording, so precheck cannot pass a screen the
    /// recording then calls black.
    public static func isUniformlyBlack(_ image: AnalysisImage) -> Bool {
        let quality = PictureQuality(GrayFrame(image).image)
        return quality.blackShare >= Defaults.blackShare && quality.contrast <= Defaults.blackContrast
    }

    public mutating func inspect(_ image: AnalysisImage) throws(ProctorError) -> [TimelineEvent] {
        var events: [TimelineEvent] = []
        if let open = blank, open.reason == .noFrames {
            // Pictures came after all: that interval ends, and the start is judged from here.
            events.append(closing(open, at: image.time, measured: [:]))
            blank = nil
            settled = false
        }
        defer { coverage.sample(at: image.time, evaluated: blank == nil) }
        guard !settled else { return events }
        guard let first else {
            self.first = image
            allBlack = Self.isUniformlyBlack(image)
            return events
        }
        let black = Self.isUniformlyBlack(image)
        let difference = Self.largestDifference(image, first)
        let live = !black && difference > Defaults.unchangedLevels
        let measured = ["blackShare": PictureQuality(GrayFrame(image).image).blackShare, "largestDifference": Double(difference)]
        if live {
            settled = true
            if let open = blank {
                blank = nil
                events.append(closing(open, at: image.time, measured: measured))
            }
            return events
        }
        allBlack = allBlack && black
        if blank == nil, image.time - first.time >= Defaults.startSeconds - 0.01 {
            events += raise(allBlack ? .black : .unchanged, from: first.time, at: image.time, measured: measured)
        }
        return events
    }

    public mutating func tick(at time: Double) -> [TimelineEvent] {
        guard first == nil, blank == nil else { return [] }
        guard let since = waitingSince, since <= time else {
            waitingSince = time
            return []
        }
        guard time - since >= Defaults.startSeconds - 0.01 else { return [] }
        return raise(.noFrames, from: since, at: time, measured: ["pictures": 0])
    }

    public mutating func finish(at time: Double) -> [TimelineEvent] {
        coverage.finish(at: time)
        guard let open = blank else { return [] }
        blank = nil
        return [closing(open, at: max(open.start, time), measured: [:])]
    }

    private mutating func raise(_ reason: Reason, from start: Double, at time: Double, measured: [String: Double]) -> [TimelineEvent] {
        blank = (start, reason)
        settled = false
        let thresholds = ["startSeconds": Defaults.startSeconds, "blackShare": Defaults.blackShare,
                          "unchangedLevels": Double(Defaults.unchangedLevels)]
        return [
            // Sealed open at once, so a recording cut short still shows it; the closing event supersedes it.
            TimelineEvent(kind: "screen.blank", detector: Self.id, severity: .coverage, start: start, end: time,
                          measured: measured, thresholds: thresholds, message: message(reason, ongoing: true), subject: reason.rawValue, open: true),
            TimelineEvent(kind: "warning.shown", detector: Self.id, severity: .info, start: time,
                          measured: ["blankSeconds": time - start], message: reason.warning(throughPortal: throughPortal),
                          subject: reason.rawValue),
        ]
    }

    private func closing(_ open: (start: Double, reason: Reason), at time: Double, measured: [String: Double]) -> TimelineEvent {
        TimelineEvent(kind: "screen.blank", detector: Self.id, severity: .coverage, start: open.start, end: time,
                      measured: measured, thresholds: ["startSeconds": Defaults.startSeconds],
                      message: message(open.reason, ongoing: false) + " (\(format(time - open.start)) s).", subject: open.reason.rawValue)
    }

    private func message(_ reason: Reason, ongoing: Bool) -> String {
        "The screen was not recorded: \(reason.description) for the first \(format(Defaults.startSeconds)) s"
            + " (x11grab under Wayland sees only XWayland); the screen could not be reviewed"
            + (ongoing ? "." : "")
    }

    /// Largest per-pixel difference in luma; pictures of another size differ completely.
    static func largestDifference(_ a: AnalysisImage, _ b: AnalysisImage) -> Int {
        guard a.width == b.width, a.height == b.height, a.format == b.format else { return 255 }
        var largest = 0
        a.pixels.withUnsafeBufferPointer { x in
            b.pixels.withUnsafeBufferPointer { y in
                for index in x.indices { largest = max(largest, abs(Int(x[index]) - Int(y[index]))) }
            }
        }
        return largest
    }
}
