internal import CFFmpeg
import ProctorModel

/// A camera, screen or test/file source read through libavformat/libavdevice: `v4l2`,
/// `x11grab`, `lavfi`, or a file. Live devices are stamped when a frame arrives; lavfi and
/// files are paced to real time so they exercise exactly the path a device does.
final class AVCaptureDevice: CaptureDevice {
    struct Input {
        let format: String?
        let url: String
        /// Alternative option sets tried in order (e.g. MJPEG first, then YUYV).
        let optionSets: [[String: String]]
        let type: InputMedia.MediaType
        let live: Bool
    }

    let role: SourceRole
    let retries: Bool
    private let input: Input
    private let audioRate: Int32
    private var media: InputMedia?
    private var resampler: Resampler?
    private var pacer = Pacer()
    private let scratch = Frame()
    private var framesRead = 0

    init(role: SourceRole, input: Input, audioRate: Int) {
        self.role = role
        self.input = input
        self.audioRate = Int32(audioRate)
        retries = input.live
    }

    var isOpen: Bool { media != nil }

    func open() throws(ProctorError) {
        var firstError: ProctorError?
        for options in input.optionSets {
            do {
                media = try InputMedia(format: input.format, url: input.url, options: options, type: input.type)
                pacer.reset()
                return
            } catch {
                if Self.isSettled(error) { throw error }
                firstError = firstError ?? error
            }
        }
        throw firstError ?? ProctorError(.deviceUnavailable, "\(role.noun) \(input.url) cannot be opened")
    }

    /// Missing, busy or forbidden will not change with other options; a refused format might.
    /// Decided on the AVERROR the open returned, never on the message.
    static func isSettled(_ error: ProctorError) -> Bool {
        guard error.code == .deviceUnavailable, let code = error.underlying else { return true }
        return [ENOENT, ENODEV, ENXIO, EBUSY, EACCES, EPERM].map { proctor_averror($0) }.contains(code)
    }

    func close() {
        media = nil
        resampler = nil
    }

    func resetPacing() { pacer.reset() }

    func next(clock: MediaClock) throws(ProctorError) -> Captured? {
        guard let media else { return nil }
        scratch.unref()
        guard try media.nextFrame(into: scratch) else { return nil }
        framesRead += 1
        let time: Double
        if input.live {
            time = clock.now()
        } else {
            // lavfi and Matroska/MP4 files always stamp frames; a raw stream without timestamps
            // is paced by frame count at the stream's nominal rate instead.
            let untimed = Double(framesRead - 1) / media.nominalFrameRate
            time = pacer.time(forSource: media.seconds(of: scratch) ?? untimed, clock: clock)
        }
        switch input.type {
        case .video:
            return .video(Frame.moving(from: scratch), time: time, source: role)
        case .audio:
            if resampler == nil { resampler = try Resampler(from: scratch, outputRate: audioRate) }
            return .audio(try resampler!.convert(scratch), time: time)
        }
    }
}
