internal import CDetectShim
import ProctorModel

/// WebRTC's voice activity detector: one decision per 10 ms frame. Owns the C++
/// AudioProcessing object; used from one thread.
final class VoiceActivity {
    static let supportedRates = [8000, 16000, 32000, 48000]

    private let handle: OpaquePointer
    let sampleRate: Int
    let frameSamples: Int

    /// `likelihood` 0...3: WebRTC's very low ... high speech likelihood setting.
    init(sampleRate: Int, likelihood: Int) throws(ProctorError) {
        guard let handle = proctor_vad_create(Int32(sampleRate), Int32(likelihood)) else {
            throw ProctorError(.library, "WebRTC voice detection could not start at \(sampleRate) Hz")
        }
        self.handle = handle
        self.sampleRate = sampleRate
        self.frameSamples = Int(proctor_vad_frame_samples(handle))
    }

    deinit { proctor_vad_free(handle) }

    /// Judges exactly one 10 ms frame.
    func hasVoice(_ frame: ArraySlice<Int16>) throws(ProctorError) -> Bool {
        precondition(frame.count == frameSamples, "the VAD takes 10 ms frames")
        let result = frame.withUnsafeBufferPointer { proctor_vad_process(handle, $0.baseAddress) }
        guard result >= 0 else { throw ProctorError(.library, "WebRTC voice detection failed (code \(result))") }
        return result == 1
    }
}
