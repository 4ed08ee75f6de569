import Foundation
import Synchronization
import ProctorModel

/// Runs the detectors on their own thread, fed through a bounded queue: `offer` never blocks
/// the capture pipeline; when detection lags, frames are dropped, counted and reported as
/// `detect.lag` info events. System checks run on the same thread every few seconds.
public final class DetectorRunner: AnalysisTap, Sendable {
    public struct Options: Sendable {
        /// Analysis frames waiting at most: 6 s at 2 fps, enough to ride out loading dlib's
        /// landmark model (2-5 s on a busy machine) at the start without skipping.
        public var imageCapacity = 12
        /// Audio blocks waiting at most: 10 s of 10 ms blocks (~1 MB at 48 kHz).
        public var audioCapacity = 1000
        /// Seconds between system samples.
        public var systemInterval = 5.0
        public var roots = SystemRoots()
        /// The session's media clock for system samples; default: seconds since the runner started.
        public var clock: (@Sendable () -> Double)?
        /// Frames and audio before this media time are judged only by `RoomScanDetector`: the
        /// room scan, when the student is asked to turn the camera around the room.
        public var quietUntil: Double = 0
        /// A screen is recorded: `ScreenDetector` watches its pictures (and their absence).
        public var screen = false
        /// ... through the ScreenCast portal (the advice when it is blank differs).
        public var screenThroughPortal = false

        public init(imageCapacity: Int = 12, audioCapacity: Int = 1000, systemInterval: Double = 5,
                    roots: SystemRoots = SystemRoots(), clock: (@Sendable () -> Double)? = nil, quietUntil: Double = 0,
                    screen: Bool = false, screenThroughPortal: Bool = false) {
            self.imageCapacity = imageCapacity
            self.audioCapacity = audioCapacity
            self.systemInterval = systemInterval
            self.roots = roots
            self.clock = clock
            self.quietUntil = quietUntil
            self.screen = screen
            self.screenThroughPortal = screenThroughPortal
        }
    }

    /// The pictures these detectors need from the capture pipeline: size, format and rate
    /// (a pipeline need not offer more). The feed scales once to this; no detector rescales.
    public static func analysisRequest(for settings: DetectionSettings) -> AnalysisRequest {
        DetectorCatalog.analysisRequest(for: settings)
    }

    /// The screen pictures the screen detector needs: small, gray, once a second.
    public static var screenAnalysisRequest: AnalysisRequest { DetectorCatalog.screenAnalysis }

    /// What the capture threads and the detection thread share.
    private struct Queue {
        var images: [AnalysisImage] = []
        var audio: [AudioBlock] = []
        var imageSchedule = SampleSchedule(rate: DetectorCatalog.imageRate)
        /// Screen pictures are sampled on their own: at 1/s they must not use up camera slots.
        var screenSchedule: SampleSchedule
        var skippedImages = 0
        var skippedAudio = 0
        var lagStart: Double?
        var lagFrames = 0
        /// Media time of the newest frame dropped: the lag span ends there, not at the (older)
        /// frame that is dequeued next.
        var lagEnd = 0.0
        var stopTime: Double?
        /// The first media time offered: a resumed part starts at its offset, not at 0.
        var firstTime: Double?
        /// Media before this time is not judged (a room scan, when the camera is meant to move).
        var quietUntil: Double
        var closing: [TimelineEvent]?
    }

    private let settings: DetectionSettings
    private let options: Options
    private let onEvent: @Sendable (TimelineEvent) -> Void
    private let clock: @Sendable () -> Double
    private let queue: Mutex<Queue>
    /// Signalled once per item offered (and at stop): the detection thread sleeps on it.
    private let work = DispatchSemaphore(value: 0)
    /// Signalled once when the closing events are ready.
    private let closed = DispatchSemaphore(value: 0)

    public convenience init(settings: DetectionSettings, onEvent: @escaping @Sendable (TimelineEvent) -> Void) {
        self.init(settings: settings, options: Options(), onEvent: onEvent)
    }

    public init(settings: DetectionSettings, options: Options, onEvent: @escaping @Sendable (TimelineEvent) -> Void) {
        self.settings = settings
        self.options = options
        self.onEvent = onEvent
        queue = Mutex(Queue(screenSchedule: SampleSchedule(rate: options.screen ? DetectorCatalog.screenAnalysis.framesPerSecond : 0),
                            quietUntil: options.quietUntil))
        if let clock = options.clock {
            self.clock = clock
        } else {
            let started = ContinuousClock.now
            self.clock = { let elapsed = ContinuousClock.now - started
                return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18 }
        }
        let thread = Thread { [self] in run() }
        thread.name = "proctor.detect"
        // Capture and encoding come first: the scheduler should prefer them when cores are short.
        thread.qualityOfService = .utility
        thread.start()
    }

    /// Frames beyond the detectors' sampling rate are not queued at all (that is sampling,
    /// not skipping); a frame that finds the queue full is skipped and counted.
    public func offer(_ image: AnalysisImage) {
        let capacity = options.imageCapacity
        let queued = queue.withLock { queue -> Bool in
            // The room scan's frames are queued too: `RoomScanDetector` watches them.
            guard queue.stopTime == nil else { return false }
            switch image.source {
            case .screen: guard queue.screenSchedule.due(image.time) else { return false }
            default: guard queue.imageSchedule.due(image.time) else { return false }
            }
            if queue.firstTime == nil, image.time >= queue.quietUntil { queue.firstTime = image.time }
            if queue.images.count >= capacity {
                queue.skippedImages += 1
                queue.lagFrames += 1
                if queue.lagStart == nil { queue.lagStart = image.time }
                queue.lagEnd = max(queue.lagEnd, image.time)
                return false
            }
            queue.images.append(image)
            return true
        }
        if queued { work.signal() }
    }

    public func offer(_ block: AudioBlock) {
        let capacity = options.audioCapacity
        let queued = queue.withLock { queue -> Bool in
            guard queue.stopTime == nil else { return false }
            if queue.firstTime == nil, block.time >= queue.quietUntil { queue.firstTime = block.time }
            if queue.audio.count >= capacity {
                queue.skippedAudio += 1
                return false
            }
            queue.audio.append(block)
            return true
        }
        if queued { work.signal() }
    }

    /// Frames and audio blocks dropped so far because detection lagged.
    public var skipped: (frames: Int, audioBlocks: Int) {
        queue.withLock { ($0.skippedImages, $0.skippedAudio) }
    }

    /// Drains the queue, closes every open interval at `mediaTime` and stops the thread.
    /// Returns the closing events (not also passed to `onEvent`): intervals still open, one
    /// `detector.coverage` info event per detector and a `detect.skipped` total. Safe to call
    /// more than once: later calls return the same events.
    public func finish(at mediaTime: Double) -> [TimelineEvent] {
        let first = queue.withLock { queue -> Bool in
            guard queue.stopTime == nil else { return false }
            queue.stopTime = mediaTime
            return true
        }
        if first { work.signal() }
        // The thread signals once when the events are ready; each caller passes the signal on,
        // so any number of callers (and later calls) get through.
        closed.wait()
        closed.signal()
        return queue.withLock { $0.closing ?? [] }
    }

    // MARK: - The detection thread

    private func run() {
        let quietUntil = options.quietUntil
        var (detectors, unavailable) = DetectorCatalog.detectors(for: settings, roomScanUntil: quietUntil, screen: options.screen,
                                                                  screenThroughPortal: options.screenThroughPortal)
        var checks = DetectorCatalog.systemChecks(for: settings, roots: options.roots)
        unavailable.forEach(onEvent)
        var schedules = detectors.map { SampleSchedule(rate: $0.samplesPerSecond) }
        var reportedErrors: Set<String> = []
        var nextSystemSample = 0.0
        let tickInterval = detectors.compactMap(\.tickInterval).min()
        var nextTick = 0.0

        func report(_ events: [TimelineEvent]) { events.forEach(onEvent) }
        func failed(_ id: String, _ error: ProctorError, at time: Double) {
            // One event per detector: a broken detector must not flood the timeline.
            guard reportedErrors.insert(id).inserted else { return }
            onEvent(TimelineEvent(kind: "detector.error", detector: id, severity: .coverage, start: time,
                                  message: "The \(id) detector failed and its results may be incomplete: \(error.message)."))
        }

        while true {
            // One signal per item queued, and at most one image and one block taken per wake-up,
            // so the signals never fall below the items waiting (an extra wake-up finds nothing);
            // with system checks, wake at the next sample when nothing comes.
            let wake = [checks.isEmpty ? nil : nextSystemSample, tickInterval == nil ? nil : nextTick].compactMap { $0 }.min()
            if let wake {
                _ = work.wait(timeout: .now() + max(0.05, wake - clock()))
            } else {
                work.wait()
            }
            let (image, block, stop, lag) = queue.withLock { queue -> (AnalysisImage?, AudioBlock?, Double?, TimelineEvent?) in
                let image = queue.images.isEmpty ? nil : queue.images.removeFirst()
                let block = queue.audio.isEmpty ? nil : queue.audio.removeFirst()
                var lag: TimelineEvent?
                if let start = queue.lagStart, image != nil {
                    lag = TimelineEvent(kind: "detect.lag", detector: "runner", severity: .info, start: start,
                                        end: max(start, queue.lagEnd), measured: ["frames": Double(queue.lagFrames)],
                                        message: "Detection fell behind and skipped \(queue.lagFrames) analysis frame(s); the recording itself was not affected.")
                    queue.lagStart = nil
                    queue.lagFrames = 0
                }
                return (image, block, queue.stopTime, lag)
            }
            if let lag { onEvent(lag) }

            if let image {
                // The room scan moves the camera only: screen pictures are judged through it.
                for index in detectors.indices where detectors[index].imageSource == image.source
                    && (image.source != .camera || image.time >= quietUntil || detectors[index].watchesRoomScan) && schedules[index].due(image.time) {
                    do { report(try detectors[index].inspect(image)) } catch { failed(type(of: detectors[index]).id, error, at: image.time) }
                }
            }
            if let block {
                for index in detectors.indices where block.time >= quietUntil || detectors[index].watchesRoomScan {
                    do { report(try detectors[index].inspect(block)) } catch { failed(type(of: detectors[index]).id, error, at: block.time) }
                }
            }
            let now = clock()
            if let tickInterval, stop == nil, now >= nextTick || now < nextTick - 2 * tickInterval {
                for index in detectors.indices where detectors[index].tickInterval != nil { report(detectors[index].tick(at: now)) }
                nextTick = now + tickInterval
            }
            if !checks.isEmpty, now >= nextSystemSample, stop == nil {
                for index in checks.indices { report(checks[index].sample(at: now)) }
                nextSystemSample = now + options.systemInterval
            }
            if let stop, image == nil, block == nil, queue.withLock({ $0.images.isEmpty && $0.audio.isEmpty }) {
                closeAll(&detectors, &checks, at: stop)
                return
            }
            // Stopping: drain without waiting for further signals.
            if stop != nil { work.signal() }
        }
    }

    private func closeAll(_ detectors: inout [any Detector], _ checks: inout [any SystemCheck], at time: Double) {
        var events: [TimelineEvent] = []
        let start = queue.withLock { min($0.firstTime ?? time, time) }
        for index in detectors.indices {
            events += detectors[index].finish(at: time)
            // The room scan is not part of the span coverage describes.
            guard !detectors[index].watchesRoomScan else { continue }
            let id = type(of: detectors[index]).id
            let seconds = detectors[index].evaluatedSeconds
            let span = time - start
            events.append(TimelineEvent(kind: "detector.coverage", detector: id, severity: .info, start: start, end: time,
                                        measured: ["evaluatedSeconds": seconds, "share": span > 0 ? min(1, seconds / span) : 0],
                                        message: "The \(id) detector could evaluate \(format(seconds)) of \(format(span)) s."))
        }
        for index in checks.indices { events += checks[index].finish(at: time) }
        let (frames, blocks) = queue.withLock { ($0.skippedImages, $0.skippedAudio) }
        events.append(TimelineEvent(kind: "detect.skipped", detector: "runner", severity: .info, start: start, end: time,
                                    measured: ["frames": Double(frames), "audioBlocks": Double(blocks)],
                                    message: "Detection skipped \(frames) analysis frame(s) and \(blocks) audio block(s) because it lagged."))
        queue.withLock { $0.closing = events }
        closed.signal()
    }
}

/// Picks frames for a detector's rate from whatever rate the camera delivers, keeping the
/// average: at 2/s from a 3 fps feed it takes two of every three frames, not every other one.
struct SampleSchedule {
    let period: Double
    private var next = -Double.infinity

    init(rate: Double) { period = rate > 0 ? 1 / rate : .infinity }

    mutating func due(_ time: Double) -> Bool {
        guard period.isFinite else { return false }
        // 17 ms of tolerance: half a frame at 30 fps, so timestamp jitter does not skip a sample.
        guard time >= next - 0.017 else { return false }
        // Fell behind by more than a period (a pause, a gap in the feed): restart from now.
        next = time - next > period ? time + period : next + period
        return true
    }
}
