import Detect
import Encode
import Foundation
import ProctorModel
import Synchronization

/// The camera while the ID and face photos are taken, before recording starts: a thread reads
/// full-size stills through the recorder's opened device (no second open) at the preview rate,
/// publishes them to the `PreviewFeed` and, once a second, says how the picture looks. The photo
/// is one of these frames: the one the page held ("take photo"), else the newest, which is the
/// one the student sees as they press Enter.
final class Viewfinder: Sendable {
    /// After this long waiting, the face detector is loaded for the exposure line; a script that
    /// answers at once never pays for it.
    static let faceCheckDelay = 1.0

    private struct State {
        var stopped = false
        var latest: PreviewFrame?
        var failure: ProctorError?
    }

    private let recorder: Recorder
    private let feed: PreviewFeed
    private let onExposure: @Sendable (ExposureCheck.Reading) -> Void
    private let state = Mutex(State())
    private let done = DispatchSemaphore(value: 0)
    /// Cuts the pause between reads short when `stop` is called.
    private let wake = DispatchSemaphore(value: 0)

    /// Starts reading at once. `feed` is the page's, or a private one when no page is shown.
    init(recorder: Recorder, feed: PreviewFeed, onExposure: @escaping @Sendable (ExposureCheck.Reading) -> Void) {
        self.recorder = recorder
        self.feed = feed
        self.onExposure = onExposure
        let thread = Thread { [self] in
            run()
            done.signal()
        }
        thread.name = "proctor.viewfinder"
        thread.start()
    }

    /// Stops reading and returns the frame to seal: held on the page, else the newest. Waits for
    /// the thread, so the device is free again for the recording.
    func stop() -> PreviewFrame? {
        let first = state.withLock { state -> Bool in
            defer { state.stopped = true }
            return !state.stopped
        }
        if first {
            wake.signal()
            done.wait()
        }
        return feed.held ?? state.withLock { $0.latest }
    }

    private var stopped: Bool { state.withLock { $0.stopped } }

    private func run() {
        let started = ContinuousClock.now
        var faces: FaceDetector?
        var triedFaces = false
        var nextExposure = started
        let check = ExposureCheck()
        while !stopped {
            let still: AnalysisImage
            do {
                still = try recorder.still(skipping: 0)
            } catch {
                state.withLock { $0.failure = error }
                return
            }
            let frame = feed.publish(still, paced: false)
            if let frame { state.withLock { $0.latest = frame } }
            let now = ContinuousClock.now
            if now >= nextExposure {
                nextExposure = now + .seconds(1)
                if !triedFaces, now - started >= .seconds(Self.faceCheckDelay) {
                    triedFaces = true
                    faces = try? ExposureCheck.photoFaces()
                }
                let reading = faces.flatMap { try? check.faces(still, detector: $0) } ?? check.light(still)
                if now - started >= .seconds(Self.faceCheckDelay) { onExposure(reading) }
            }
            // The preview's rate, not the camera's: a 30 fps camera is read twice a second.
            let pause = max(0, 1 / feed.rate - (ContinuousClock.now - now).seconds)
            if pause > 0, !stopped { _ = wake.wait(timeout: .now() + pause) }
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
