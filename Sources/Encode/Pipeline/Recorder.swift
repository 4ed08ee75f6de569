import Foundation
internal import CFFmpeg
import ProctorModel

/// Records the selected camera, microphone and screen into one Matroska stream written to a
/// `MediaSink`, live. `init` opens every device, so a missing camera or busy microphone fails
/// before anything is recorded; `start(into:)` begins; `finish` flushes encoders, writes the
/// trailer and returns what was recorded.
///
/// Threads: one per capture device (blocking reads), one pipeline thread that encodes and
/// muxes; the caller's thread only starts, polls and finishes.
public final class Recorder: @unchecked Sendable {
    /// The session clock; it starts at `start`, so opening devices takes no media time.
    /// Read from any thread (the detectors stamp system checks with it).
    public var clock: MediaClock { state.locked { currentClock } }
    private var currentClock: MediaClock
    private let startTime: Double
    private let settings: RecordingSettings
    private let devices: [CaptureDevice]
    private let camera: CaptureDevice?
    private let queue = BoundedQueue(capacity: 32)
    private var analysis: AnalysisFeed?
    private var onNotice: @Sendable (RecordingNotice) -> Void = { _ in }
    private var captureThreads: [CaptureThread] = []
    private var pipelineThread: Thread?
    private let pipelineDone = DispatchSemaphore(value: 0)
    private var muxer: MatroskaMuxer?
    private var cameraEncoder: VideoEncoder?
    private var screenEncoder: VideoEncoder?
    private var audioEncoder: AudioEncoder?
    private let state = Mutex()
    private var failure: ProctorError?
    private var counters = RecordingStatus()
    private var finished = false
    /// Media time at which `finish` was called: what capture threads deliver after it (a
    /// blocking read that returns late) is not recorded, so every stream ends together.
    private var stopTime = Double.infinity

    /// Opens the sources; throws `.deviceUnavailable`, `.deviceBusy`, `.missingInput` or `.usage`.
    /// `startTime` is the session-clock time this recording starts at (a resumed part
    /// continues where the previous one ended).
    public init(sources: RecordingSources, settings: RecordingSettings = RecordingSettings(),
                startTime: Double = 0) throws(ProctorError) {
        self.settings = settings
        currentClock = MediaClock(offset: startTime)
        self.startTime = startTime
        camera = try DeviceResolver.camera(sources.camera, settings: settings)
        let mic = try DeviceResolver.microphone(sources.microphone, settings: settings)
        let screen = try DeviceResolver.screen(sources.screen, settings: settings)
        devices = [camera, mic, screen].compactMap { $0 }
        guard !devices.isEmpty else { throw ProctorError(.usage, "nothing to record: camera, microphone and screen are all 'none'") }
        for device in devices { try device.open() }
        counters.recording = devices.map(\.role)
    }

    /// Whether a camera is being recorded (photos need one).
    public var hasCamera: Bool { camera != nil }

    /// A full-size RGB picture from the camera, for the ID and face photos before recording.
    /// Skips the first frames: webcams deliver dark pictures until auto-exposure settles.
    public func still(skipping skip: Int = 5) throws(ProctorError) -> AnalysisImage {
        guard let camera else { throw ProctorError(.usage, "a photo needs a camera; --camera is 'none'") }
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

    /// Writes the Matroska header into `sink` and starts every capture thread and the pipeline
    /// thread. `tap` (the detectors) is offered downscaled camera pictures and every audio
    /// block; `onNotice` hears device losses, audio gaps and dropped frames as they happen.
    public func start(into sink: MediaSink, title: String = "proctor recording", tap: AnalysisTap? = nil,
                      onNotice: @escaping @Sendable (RecordingNotice) -> Void = { _ in }) throws(ProctorError) {
        self.onNotice = onNotice
        analysis = tap.map { AnalysisFeed(tap: $0, settings: settings) }
        let muxer = try MatroskaMuxer(sink: sink, clusterMilliseconds: settings.clusterMilliseconds)
        // Track order is part of the format (docs/bundle-format.md): camera, screen, microphone.
        let roles = Set(devices.map(\.role))
        if roles.contains("camera") {
            cameraEncoder = try VideoEncoder(settings.camera, preset: settings.x264Preset, muxer: muxer, title: "camera")
        }
        if roles.contains("screen") {
            screenEncoder = try VideoEncoder(settings.screen, preset: settings.x264Preset, muxer: muxer, title: "screen")
        }
        if roles.contains("mic") {
            audioEncoder = try AudioEncoder(rate: settings.audioSampleRate, bitsPerSecond: settings.audioBitsPerSecond,
                                            muxer: muxer, title: "microphone")
        }
        try muxer.start(title: title)
        self.muxer = muxer
        state.locked { currentClock = MediaClock(offset: startTime) }
        for device in devices {
            device.resetPacing()
            let thread = CaptureThread(device: device, queue: queue, clock: clock)
            captureThreads.append(thread)
        }
        let pipeline = Thread { [self] in
            runPipeline()
            pipelineDone.signal()
        }
        pipeline.name = "proctor-pipeline"
        pipeline.qualityOfService = .userInteractive
        pipelineThread = pipeline
        pipeline.start()
        for thread in captureThreads { thread.start() }
    }

    /// The first error that stopped the pipeline (a sink that cannot write, an encoder failure).
    public var failed: ProctorError? { state.locked { failure } }

    public var status: RecordingStatus {
        var status = state.locked { counters }
        status.elapsed = clock.now() - clock.offset
        status.droppedFrames += queue.droppedCount
        return status
    }

    private func runPipeline() {
        while let item = queue.pop() {
            guard failed == nil else { continue }  // Keep draining so capture threads never block.
            do {
                try handle(item)
                if let muxer { state.locked { counters.bytesWritten = muxer.bytesWritten } }
            } catch {
                state.locked { failure = error }
                onNotice(RecordingNotice(kind: "recording.failed", source: "pipeline", time: clock.now(), message: error.message))
            }
        }
    }

    private func handle(_ item: Captured) throws(ProctorError) {
        let stopTime = state.locked { self.stopTime }
        switch item {
        case .video(_, let time, _) where time >= stopTime, .audio(_, let time) where time >= stopTime:
            return
        case .video(let frame, let time, let screen):
            try encodeVideo(frame, time: time, screen: screen)
        case .audio(let samples, let time):
            guard let audioEncoder else { return }
            let gap = try audioEncoder.append(samples, time: time)
            if gap > 0 {
                onNotice(RecordingNotice(kind: "audio.gap", source: "mic", time: time - gap, end: time, measured: ["gapSeconds": gap],
                                         message: "\(String(format: "%.2f", gap)) s of microphone audio were lost and replaced by silence."))
            }
            analysis?.offer(samples, time: time)
            state.locked { counters.audioSeconds = Double(audioEncoder.encodedSamples) / Double(settings.audioSampleRate) }
        case .notice(let notice):
            onNotice(notice)
        }
    }

    private func encodeVideo(_ frame: Frame, time: Double, screen: Bool) throws(ProctorError) {
        if screen {
            guard let screenEncoder else { return }
            try screenEncoder.encode(frame, time: time)
            state.locked { counters.screenFrames = screenEncoder.encodedFrames }
        } else {
            guard let cameraEncoder else { return }
            try cameraEncoder.encode(frame, time: time)
            try analysis?.offer(frame, time: time)
            state.locked {
                counters.cameraFrames = cameraEncoder.encodedFrames
                counters.droppedFrames = cameraEncoder.skippedSlots
            }
        }
    }

    /// Stops capture, drains the queue, flushes the encoders and writes the Matroska trailer.
    @discardableResult
    public func finish() throws(ProctorError) -> RecordingStatus {
        guard !finished else { return status }
        finished = true
        let now = clock.now()
        state.locked { stopTime = now }
        for thread in captureThreads { thread.stop() }
        queue.close()
        if pipelineThread != nil { pipelineDone.wait() }
        let final = status
        let dropped = final.droppedFrames
        if dropped > 0 {
            onNotice(RecordingNotice(kind: "video.dropped", source: "camera", time: clock.now(), measured: ["frames": Double(dropped)],
                                     message: "\(dropped) video frames arrived late or could not be encoded in time."))
        }
        if let failure = failed { throw failure }
        guard let muxer else { return final }
        try cameraEncoder?.flush()
        try screenEncoder?.flush()
        try audioEncoder?.flush()
        try muxer.finish()
        var result = status
        result.bytesWritten = muxer.bytesWritten
        return result
    }
}

/// What the live status line shows and what `finish` reports.
public struct RecordingStatus: Sendable {
    /// Roles being recorded: "camera", "mic", "screen".
    public var recording: [String] = []
    public var elapsed: Double = 0
    public var cameraFrames = 0
    public var screenFrames = 0
    public var audioSeconds: Double = 0
    /// Frames dropped from the queue plus grid slots the camera did not fill.
    public var droppedFrames = 0
    public var bytesWritten: Int64 = 0
}
