import Encode
import Foundation
import ProctorModel
import Synchronization

/// One picture the student was shown. Its JPEG is encoded once, on first use, by whoever needs
/// it first (the page's request or the photo step), so the photo sealed for it and the preview
/// the page showed are the same bytes.
public final class PreviewFrame: Sendable {
    /// Counts up from 1 across the session: the page names the frame it shows by it.
    public let sequence: Int
    public let image: AnalysisImage
    private let encoded = Mutex<[UInt8]?>(nil)

    init(sequence: Int, image: AnalysisImage) {
        self.sequence = sequence
        self.image = image
    }

    /// The photos' quality (`StillImage.encodeJPEG`'s default), for the preview too: a photo must
    /// not be a re-encode of what the page showed.
    public func jpeg() throws(ProctorError) -> [UInt8] {
        if let bytes = encoded.withLock({ $0 }) { return bytes }
        let bytes = try StillImage.encodeJPEG(image)
        return encoded.withLock { stored in
            if let stored { return stored }
            stored = bytes
            return bytes
        }
    }
}

/// The camera as the student sees it: full-size viewfinder stills while the photos are taken
/// (`Viewfinder`), then the analysis frames the detectors get (`PreviewTap`), at most `rate`
/// pictures a second. Nothing else opens the camera, and nothing here is stored: the only
/// frames that reach the bundle are the photos the student took. `stop` ends it for good when
/// the exam ends.
public final class PreviewFeed: Sendable {
    /// Two pictures a second: enough to frame an ID and see the light, a small share of a core.
    public static let defaultRate = 2.0
    /// Frames kept so that "take photo" finds the one the page is showing, even a moment late.
    static let kept = 8

    private struct State {
        var frames: [PreviewFrame] = []
        var nextSequence = 1
        var lastTime = -Double.infinity
        var held: PreviewFrame?
        var stopped = false
    }

    public let rate: Double
    private let state = Mutex(State())

    public init(rate: Double = PreviewFeed.defaultRate) {
        self.rate = rate
    }

    /// Offers a picture; kept when the rate says one is due. Returns at once (capture threads
    /// call it): the JPEG is encoded only when someone asks for it.
    @discardableResult
    public func publish(_ image: AnalysisImage, paced: Bool = true) -> PreviewFrame? {
        state.withLock { state in
            guard !state.stopped else { return nil }
            // 17 ms of tolerance, as the analysis feed has, so jitter does not skip a frame.
            if paced, image.time < state.lastTime + 1 / rate - 0.017, image.time >= state.lastTime { return nil }
            let frame = PreviewFrame(sequence: state.nextSequence, image: image)
            state.nextSequence += 1
            state.lastTime = image.time
            state.frames.append(frame)
            if state.frames.count > Self.kept { state.frames.removeFirst(state.frames.count - Self.kept) }
            return frame
        }
    }

    /// The newest frame, or the held one while a photo is being looked at.
    public var latest: PreviewFrame? { state.withLock { $0.held ?? $0.frames.last } }

    /// Waits up to `timeout` seconds for a frame newer than `sequence` (the page's long poll).
    public func frame(after sequence: Int, timeout: Double) async -> PreviewFrame? {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while true {
            let (frame, stopped) = state.withLock { state in
                (state.held ?? state.frames.last, state.stopped)
            }
            if let frame, frame.sequence > sequence || stopped { return stopped ? nil : frame }
            if stopped || ContinuousClock.now >= deadline || Task.isCancelled { return nil }
            try? await Task.sleep(for: .milliseconds(40))
        }
    }

    /// Freezes the preview on the frame the page showed ("take photo"); nil when it is gone.
    public func hold(_ sequence: Int) -> PreviewFrame? {
        state.withLock { state in
            guard !state.stopped, let frame = state.frames.first(where: { $0.sequence == sequence }) else { return nil }
            state.held = frame
            return frame
        }
    }

    /// The frame held for a photo, if any.
    public var held: PreviewFrame? { state.withLock { $0.held } }

    /// Back to the live picture ("retake", or the photo was sealed).
    public func release() { state.withLock { $0.held = nil } }

    /// Drops every frame: the viewfinder's full-size stills once the photos are taken.
    func clear() {
        state.withLock { state in
            state.frames.removeAll()
            state.held = nil
            state.lastTime = -Double.infinity
        }
    }

    /// The exam ended: no frame is kept or served from now on.
    public func stop() {
        state.withLock { state in
            state.stopped = true
            state.frames.removeAll()
            state.held = nil
        }
    }

    public var isStopped: Bool { state.withLock { $0.stopped } }
}
