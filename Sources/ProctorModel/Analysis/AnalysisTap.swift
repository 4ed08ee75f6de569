/// Where the capture pipeline offers downscaled frames and audio blocks to the detectors.
/// Called on capture/pipeline threads: an implementation must return at once (enqueue or
/// drop and count), never block, because media must never wait for detection.
public protocol AnalysisTap: AnyObject, Sendable {
    func offer(_ image: AnalysisImage)
    func offer(_ audio: AudioBlock)
}
