/// Where the video keyframes of a recording are, built in one pass over the packets without
/// decoding any. A frame at time T is then decoded by seeking to the last keyframe at or before
/// T and decoding forward, so the cost of one evidence frame is at most one GOP, however long
/// the recording.
public struct KeyframeIndex: Sendable, Equatable {
    /// Keyframe presentation times in seconds, ascending, per video stream index.
    public let keyframes: [Int: [Double]]
    /// Last presentation time (plus that packet's duration) per stream index, for durations.
    public let streamEnds: [Int: Double]

    public init(keyframes: [Int: [Double]], streamEnds: [Int: Double]) {
        self.keyframes = keyframes.mapValues { $0.sorted() }
        self.streamEnds = streamEnds
    }

    public func times(stream: Int) -> [Double] { keyframes[stream] ?? [] }

    /// The last keyframe of `stream` at or before `time` (the first keyframe when `time`
    /// precedes it).
    public func keyframe(atOrBefore time: Double, stream: Int) -> Double? {
        let times = self.times(stream: stream)
        guard let first = times.first else { return nil }
        // Binary search: the index of the first keyframe after `time`.
        var low = 0, high = times.count
        while low < high {
            let mid = (low + high) / 2
            if times[mid] <= time { low = mid + 1 } else { high = mid }
        }
        return low == 0 ? first : times[low - 1]
    }
}
