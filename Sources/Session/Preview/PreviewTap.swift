import Detect
import ProctorModel
import Synchronization

/// Sits between the analysis feed and the detectors: every picture goes on to the detectors
/// unchanged, and the camera's also to the student's preview, so the preview shows exactly the
/// frames that are judged. During the room scan it says, once a second, how the light is.
final class PreviewTap: AnalysisTap {
    private let detectors: AnalysisTap?
    private let feed: PreviewFeed?
    private let roomScanEnd: Double
    private let onExposure: @Sendable (ExposureCheck.Reading) -> Void
    private let nextExposure = Mutex(-Double.infinity)

    init(detectors: AnalysisTap?, feed: PreviewFeed?, roomScanEnd: Double,
         onExposure: @escaping @Sendable (ExposureCheck.Reading) -> Void) {
        self.detectors = detectors
        self.feed = feed
        self.roomScanEnd = roomScanEnd
        self.onExposure = onExposure
    }

    func offer(_ image: AnalysisImage) {
        detectors?.offer(image)
        guard image.source == .camera else { return }
        feed?.publish(image)
        guard image.time < roomScanEnd else { return }
        let due = nextExposure.withLock { next in
            guard image.time >= next else { return false }
            next = image.time + 1
            return true
        }
        // A histogram of the small analysis picture: well under a millisecond on this thread.
        if due { onExposure(ExposureCheck().light(image)) }
    }

    func offer(_ audio: AudioBlock) { detectors?.offer(audio) }
}
