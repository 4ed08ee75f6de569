/// A microphone read with `snd_pcm_readi` in period-sized blocks. Its media time comes from
/// counting samples (the sound card's clock is the steadiest one there is); after an overrun
/// the count is re-anchored on the session clock, and the pipeline sees the jump as a gap.
import ProctorModel

final class ALSAMicrophone: CaptureDevice {
    let role = SourceRole.microphone
    let retries = true
    private let pcmName: String
    private let configText: String?
    private let rate: Int
    private var pcm: PCMCapture?
    private var buffer: [Int16] = []
    private var anchor: (time: Double, samples: Int)?
    private var samplesRead = 0

    init(pcm: String, configText: String?, rate: Int) {
        pcmName = pcm
        self.configText = configText
        self.rate = rate
    }

    var isOpen: Bool { pcm != nil }

    func open() throws(ProctorError) {
        let capture = try PCMCapture(name: pcmName, rate: rate, configText: configText)
        buffer = [Int16](repeating: 0, count: capture.periodFrames)
        pcm = capture
        anchor = nil
    }

    func close() { pcm = nil }

    func resetPacing() { anchor = nil }

    func next(clock: MediaClock) throws(ProctorError) -> Captured? {
        guard let pcm else { return nil }
        while true {
            let result = try buffer.withUnsafeMutableBufferPointer { (samples) throws(ProctorError) in try pcm.read(into: samples) }
            switch result {
            case .recovered:
                anchor = nil
                continue
            case .samples(0):
                continue
            case .samples(let count):
                let start = anchor ?? (clock.now() - Double(count) / Double(rate), samplesRead)
                anchor = start
                let time = start.time + Double(samplesRead - start.samples) / Double(rate)
                samplesRead += count
                // A PCM that is not paced by hardware (ALSA's null or file plugins) would
                // otherwise deliver minutes of audio in a second.
                clock.sleep(until: time + Double(count) / Double(rate))
                return .audio(Array(buffer[0..<count]), time: time)
            }
        }
    }
}
