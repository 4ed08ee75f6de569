import Foundation
internal import CFFmpeg
import ProctorModel
import Synchronization

/// Records the selected camera, microphone and screen into one Matroska stream written to a
/// `MediaSink`, live. `init` opens every device, so a missing camera or busy microphone fails
/// before anything is recorded; `start(into:)` begins; `finish` flushes encoders, writes the
/// trailer and returns what was recorded.
///
/// Threads: one per capture device (blocking reads), one pipeline thread that encodes and
/// muxes; the caller's thread only starts, polls and finishes.
public final class Recorder: Sendable {
    private struct State {
        /// Starts at `start`, so opening devices takes no media time.
        var clock: MediaClock
        var onNotice: @Sendable (RecordingNotice) -> Void = { _ in }
        var started = false
        var finished = false
        var failure: ProctorError?
        var counters = RecordingStatus()
        /// Media time at which `finish` was called: what capture threads deliver after it (a
        /// blocking read that returns late) is not recorded, so every stream ends together.
        var stopTime = Double.infinity
    }

    /// The encoders, the muxer and the analysis scaler: C objects that the pipeline thread
    /// uses while it runs, and `finish` after it has stopped.
    private struct Stages {
        var muxer: MatroskaMuxer?
        var cameraEncoder: VideoEncoder?
        var screenEncoder: VideoEncoder?
        var audioEncoder: AudioEncoder?
        var analysis: AnalysisFeed?
    }

    private let state: Mutex<State>
    private let stages = Mutex(Stages())
    /// One per opened device, which it owns; started by `start`. Lock order: `stages`, then `state`.
    private let captureThreads: [CaptureThread]
    private let roles: [SourceRole]
    /// What `auto` and the other specs resolved to, for the session metadata to record.
    public let resolved: [SourceRole: ResolvedSource]
    private let startTime: Double
    private let settings: RecordingSettings
    private let queue = BoundedQueue(capacity: 32)
    private let pipelineDone = DispatchSemaphore(value: 0)

    /// Opens the sources; throws `.deviceUnavailable`, `.deviceBusy`, `.missingInput` or `.usage`.
    /// `startTime` is the session-clock time this recording starts at (a resumed part
    /// continues where the previous one ended). `resolver` decides what `auto` means (the same
    /// one precheck asks).
    public init(sources: RecordingSources, settings: RecordingSettings = RecordingSettings(),
                startTime: Double = 0, resolver: SourceResolver = SourceResolver()) throws(ProctorError) {
        self.settings = settings
        self.startTime = startTime
        state = Mutex(State(clock: MediaClock(offset: startTime)))
        var resolved: [SourceRole: ResolvedSource] = [:]
        var chosen: [(SourceRole, ResolvedSource)] = []
        for role in [SourceRole.camera, .microphone, .screen] {
            guard let source = try resolver.resolve(sources[role], for: role) else { continue }
            resolved[role] = source
            chosen.append((role, source))
        }
        guard !chosen.isEmpty else { throw ProctorError(.usage, "nothing to record: camera, microphone and screen are all 'none'") }
        var threads: [CaptureThread] = []
        for (role, source) in chosen {
            let device = DeviceResolver.device(source, as: role, settings: settings)
            try device.open()
            threads.append(CaptureThread(device: device, queue: queue))
        }
        captureThreads = threads
        self.resolved = resolved
        roles = chosen.map(\.0)
        state.withLock { $0.counters.recording = roles }
    }

    /// The session clock. Read from any thread (the detectors stamp system checks with it).
    public var clock: MediaClock { state.withLock { $0.clock } }

    /// Whether a camera is being recorded (photos need one).
    public var hasCamera: Bool { roles.contains(.camera) }

    /// A full-size RGB picture from the camera, for the ID and face photos before recording.
    /// Skips the first frames: webcams deliver dark pictures until auto-exposure settles.
    public func still(skipping skip: Int = 5) throws(ProctorError) -> AnalysisImage {
        guard let index = roles.firstIndex(of: .camera) else {
            throw ProctorError(.usage, "a photo needs a camera; --camera is 'none'")
        }
        return try captureThreads[index].withDevice { (camera) throws(ProctorError) -> AnalysisImage in
            defer { camera.resetPacing() }
            var taken = 0
            while let item = try camera.next(clock: clock) {
                guard case .video(let frame, let time, _) = item else { continue }
                taken += 1
                // Only live cameras (the ones that are retried) need time to settle; lavfi and files do not.
                if taken <= skip, camera.retries { continue }
                let scaler = try Scaler(from: (frame.width, frame.height, frame.format), to: (frame.width, frame.height, AV_PIX_FMT_RGB24))
                return AnalysisImage(width: Int(frame.width), height: Int(frame.height), format: .rgb24,
                                     pixels: scaler.scalePacked(frame, bytesPerPixel: 3), time: time)
            }
            throw ProctorError(.deviceUnavailable, "the camera delivered no picture")
        }
    }

    /// One screen picture, scaled to `request` and tagged `.screen`, read from the opened
    /// screen device the way the recording reads it (x11grab through libavdevice): precheck
    /// judges it with the screen detector's own test, before anything is recorded.
    public func screenStill(_ request: AnalysisRequest) throws(ProctorError) -> AnalysisImage {
        guard let index = roles.firstIndex(of: .screen) else {
            throw ProctorError(.usage, "no screen is recorded; --screen is 'none'")
        }
        return try captureThreads[index].withDevice { (screen) throws(ProctorError) -> AnalysisImage in
            defer { screen.resetPacing() }
            while let item = try screen.next(clock: clock) {
                guard case .video(let frame, let time, _) = item else { continue }
                let size = request.fitted(sourceWidth: Int(frame.width), sourceHeight: Int(frame.height))
                let format = request.format
                let scaler = try Scaler(from: (frame.width, frame.height, frame.format),
                                        to: (Int32(size.width), Int32(size.height), format == .gray8 ? AV_PIX_FMT_GRAY8 : AV_PIX_FMT_RGB24))
                return AnalysisImage(width: size.width, height: size.height, format: format,
                                     pixels: scaler.scalePacked(frame, bytesPerPixel: format.bytesPerPixel), time: time, source: .screen)
            }
            throw ProctorError(.deviceUnavailable, "the screen capture delivered no picture")
        }
    }

    /// Writes the Matroska header into `sink` and starts every capture thread and the pipeline
    /// thread. `tap` (the detectors) is offered downscaled camera pictures and every audio
    /// block; `onNotice` hears device losses, audio gaps and dropped frames as they happen.
    public func start(into sink: MediaSink, title: String = "proctor recording", tap: AnalysisTap? = nil,
                      onNotice: @escaping @Sendable (RecordingNotice) -> Void = { _ in }) throws(ProctorError) {
        guard !state.withLock({ $0.started || $0.finished }) else { throw ProctorError(.usage, "this recording was already started") }
        try stages.withLock { (stages) throws(ProctorError) in
            let muxer = try MatroskaMuxer(sink: sink, clusterMilliseconds: settings.clusterMilliseconds)
            // Track order is part of the format (docs/bundle-format.md): camera, screen, microphone.
            if roles.contains(.camera) {
                stages.cameraEncoder = try VideoEncoder(settings.camera, preset: settings.x264Preset, muxer: muxer, title: SourceRole.camera.rawValue)
            }
            if roles.contains(.screen) {
                stages.screenEncoder = try VideoEncoder(settings.screen, preset: settings.x264Preset, muxer: muxer, title: SourceRole.screen.rawValue)
            }
            if roles.contains(.microphone) {
                stages.audioEncoder = try AudioEncoder(rate: settings.audioSampleRate, bitsPerSecond: settings.audioBitsPerSecond,
                                                       muxer: muxer, title: SourceRole.microphone.noun)
            }
            try muxer.start(title: title)
            stages.muxer = muxer
            stages.analysis = tap.map { AnalysisFeed(tap: $0, settings: settings) }
        }
        let clock = MediaClock(offset: startTime)
        state.withLock { state in
            state.clock = clock
            state.onNotice = onNotice
            state.started = true
        }
        let pipeline = Thread { [self] in
            runPipeline(onNotice)
            pipelineDone.signal()
        }
        pipeline.name = "proctor-pipeline"
        pipeline.qualityOfService = .userInteractive
        pipeline.start()
        for thread in captureThreads { thread.start(clock: clock) }
    }

    /// The first error that stopped the pipeline (a sink that cannot write, an encoder failure).
    public var failed: ProctorError? { state.withLock { $0.failure } }

    public var status: RecordingStatus {
        var (status, clock) = state.withLock { ($0.counters, $0.clock) }
        status.elapsed = clock.now() - clock.offset
        status.droppedFrames += queue.droppedCount
        return status
    }

    private func runPipeline(_ onNotice: @Sendable (RecordingNotice) -> Void) {
        while let item = queue.pop() {
            guard failed == nil else { continue }  // Keep draining so capture threads never block.
            do {
                try stages.withLock { (stages) throws(ProctorError) in try handle(item, &stages, onNotice) }
            } catch {
                state.withLock { $0.failure = error }
                onNotice(RecordingNotice(kind: "recording.failed", source: nil, time: clock.now(), message: error.message))
            }
        }
    }

    private func handle(_ item: Captured, _ stages: inout Stages, _ onNotice: @Sendable (RecordingNotice) -> Void) throws(ProctorError) {
        let stopTime = state.withLock { $0.stopTime }
        switch item {
        case .video(_, let time, _) where time >= stopTime, .audio(_, let time) where time >= stopTime:
            return
        case .video(let frame, let time, let source):
            try encodeVideo(frame, time: time, from: source, &stages)
        case .audio(let samples, let time):
            guard let audioEncoder = stages.audioEncoder else { return }
            let gap = try audioEncoder.append(samples, time: time)
            if gap > 0 {
                onNotice(RecordingNotice(kind: "audio.gap", source: .microphone, time: time - gap, end: time, measured: ["gapSeconds": gap],
                                         message: "\(String(format: "%.2f", gap)) s of microphone audio were lost and replaced by silence."))
            }
            stages.analysis?.offer(samples, time: time)
            let seconds = Double(audioEncoder.encodedSamples) / Double(settings.audioSampleRate)
            state.withLock { $0.counters.audioSeconds = seconds }
        case .notice(let notice):
            onNotice(notice)
        }
        if let written = stages.muxer?.bytesWritten { state.withLock { $0.counters.bytesWritten = written } }
    }

    private func encodeVideo(_ frame: Frame, time: Double, from source: SourceRole, _ stages: inout Stages) throws(ProctorError) {
        if source == .screen {
            guard let screenEncoder = stages.screenEncoder else { return }
            try screenEncoder.encode(frame, time: time)
            try stages.analysis?.offerScreen(frame, time: time)
            let frames = screenEncoder.encodedFrames
            state.withLock { $0.counters.screenFrames = frames }
        } else {
            guard let cameraEncoder = stages.cameraEncoder else { return }
            try cameraEncoder.encode(frame, time: time)
            try stages.analysis?.offer(frame, time: time)
            let (frames, skipped) = (cameraEncoder.encodedFrames, cameraEncoder.skippedSlots)
            state.withLock { state in
                state.counters.cameraFrames = frames
                state.counters.droppedFrames = skipped
            }
        }
    }

    /// Stops capture, drains the queue, flushes the encoders and writes the Matroska trailer.
    @discardableResult
    public func finish() throws(ProctorError) -> RecordingStatus {
        let (alreadyFinished, started) = state.withLock { state in
            defer { state.finished = true }
            return (state.finished, state.started)
        }
        guard !alreadyFinished else { return status }
        let now = clock.now()
        state.withLock { $0.stopTime = now }
        for thread in captureThreads { thread.stop() }
        queue.close()
        if started { pipelineDone.wait() }
        let final = status
        let dropped = final.droppedFrames
        if dropped > 0 {
            let onNotice = state.withLock { $0.onNotice }
            onNotice(RecordingNotice(kind: "video.dropped", source: .camera, time: clock.now(), measured: ["frames": Double(dropped)],
                                     message: "\(dropped) video frames arrived late or could not be encoded in time."))
        }
        if let failure = failed { throw failure }
        // The pipeline thread has ended: the stages are this thread's now.
        let written = try stages.withLock { (stages) throws(ProctorError) -> Int64? in
            guard let muxer = stages.muxer else { return nil }
            try stages.cameraEncoder?.flush()
            try stages.screenEncoder?.flush()
            try stages.audioEncoder?.flush()
            try muxer.finish()
            return muxer.bytesWritten
        }
        guard let written else { return final }
        var result = status
        result.bytesWritten = written
        return result
    }
}

/// What the live status line shows and what `finish` reports.
public struct RecordingStatus: Sendable {
    /// Roles being recorded, in track order of preference: camera, microphone, screen.
    public var recording: [SourceRole] = []
    public var elapsed: Double = 0
    public var cameraFrames = 0
    public var screenFrames = 0
    public var audioSeconds: Double = 0
    /// Frames dropped from the queue plus grid slots the camera did not fill.
    public var droppedFrames = 0
    public var bytesWritten: Int64 = 0
}
