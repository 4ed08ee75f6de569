/// What the detectors ask of the capture pipeline: pictures fitted inside `width` x `height`
/// (aspect ratio kept, never stretched), in `format`, at `framesPerSecond`. The feed scales a
/// due frame once to this size, so no detector rescales on the per-sample path.
public struct AnalysisRequest: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var format: AnalysisImage.PixelFormat
    public var framesPerSecond: Double

    public init(width: Int, height: Int, format: AnalysisImage.PixelFormat = .gray8, framesPerSecond: Double) {
        self.width = width
        self.height = height
        self.format = format
        self.framesPerSecond = framesPerSecond
    }

    /// The size a `sourceWidth` x `sourceHeight` picture gets inside the box: the largest even
    /// size with the source's aspect ratio (a 16:9 camera gives 448x252 in a 448x288 box).
    public func fitted(sourceWidth: Int, sourceHeight: Int) -> (width: Int, height: Int) {
        guard sourceWidth > 0, sourceHeight > 0 else { return (width, height) }
        let scale = min(Double(width) / Double(sourceWidth), Double(height) / Double(sourceHeight))
        let even = { (value: Double) in max(2, Int(value.rounded()) & ~1) }
        return (even(Double(sourceWidth) * scale), even(Double(sourceHeight) * scale))
    }
}
