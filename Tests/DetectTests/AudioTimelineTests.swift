@testable import Detect
import XCTest
@testable import ProctorModel

/// Real voices placed in room noise, a muted stretch and a loud tone, at known times.
final class AudioTimelineTests: XCTestCase {
    struct Truth {
        var speech: [(Double, Double)] = []
        var muted: (Double, Double) = (0, 0)
        var loud: (Double, Double) = (0, 0)
    }

    func makeClip(sampleRate: Int) throws -> (SoundClip, Truth) {
        let sentence = try SoundClip.wav("speech_en.wav"), front = try SoundClip.wav("front_center.wav")
        var clip = SoundClip(sampleRate: sampleRate)
        var truth = Truth()
        clip.room(3)
        var start = clip.voice(sentence)
        // Voice extents from Tests/Fixtures/audio/README.md.
        truth.speech.append((start + 0.04, start + 4.66))
        clip.room(4)
        start = clip.voice(front)
        clip.room(0.3)
        let second = clip.voice(front)
        truth.speech.append((start + 0.04, second + 1.33))
        clip.room(5)
        truth.muted.0 = clip.duration
        clip.muted(6)
        truth.muted.1 = clip.duration
        clip.room(3)
        // Someone calls out "Front center!" at six times the level: loud, and too short (1.3 s)
        // to count as sustained speech.
        start = clip.voice(front.map { Int16(clamping: Int($0) * 6) })
        truth.loud = (start + 0.04, start + 1.33)
        clip.room(3)
        return (clip, truth)
    }

    func run(sampleRate: Int) throws {
        let (clip, truth) = try makeClip(sampleRate: sampleRate)
        var detector = try XCTUnwrap(AudioDetector(settings: DetectionSettings()))
        var events: [TimelineEvent] = []
        for block in clip.blocks() { events += try detector.inspect(block) }
        events += detector.finish(at: clip.duration)
        events = events.closingEvents  // the closing events; each condition's open event (sealed as it starts) is checked in OpenEventTests
        for event in events { print("EVENT \(sampleRate) Hz \(event.kind) \(event.start)...\(event.end ?? -1) \(event.message)") }

        let speech = events.filter { $0.kind == "audio.speech" }
        XCTAssertEqual(speech.count, truth.speech.count, "\(speech.map { ($0.start, $0.end) })")
        for (found, expected) in zip(speech, truth.speech) {
            XCTAssertEqual(found.start, expected.0, accuracy: 0.5, "speech start at \(sampleRate) Hz")
            XCTAssertEqual(found.end ?? -1, expected.1, accuracy: 0.5, "speech end at \(sampleRate) Hz")
        }
        let silent = events.filter { $0.kind == "mic.silent" }
        XCTAssertEqual(silent.count, 1)
        XCTAssertEqual(silent.first?.start ?? -1, truth.muted.0, accuracy: 0.05)
        XCTAssertEqual(silent.first?.end ?? -1, truth.muted.1, accuracy: 0.05)
        let loud = events.filter { $0.kind == "audio.loud" }
        XCTAssertEqual(loud.count, 1)
        XCTAssertEqual(loud.first?.start ?? -1, truth.loud.0, accuracy: 0.5)
        XCTAssertEqual(loud.first?.end ?? -1, truth.loud.1, accuracy: 0.5)
        XCTAssertGreaterThan(loud.first?.measured["lufs"] ?? -100, AudioDetector.Defaults.loudLUFS)
        // Coverage: everything but the muted stretch.
        XCTAssertEqual(detector.evaluatedSeconds, clip.duration - 6, accuracy: 0.1)
    }

    func testSpeechMuteAndLoudnessAt16kHz() throws { try run(sampleRate: 16000) }

    /// 44.1 kHz is not a WebRTC rate: the detector resamples, edges must still hold.
    func testSpeechMuteAndLoudnessAt44kHz() throws { try run(sampleRate: 44100) }

    func testLoudnessOfFullScaleSineMatchesBS1770() {
        // BS.1770: a 997 Hz full-scale sine reads -3.01 LUFS.
        var meter = MomentaryLoudness(sampleRate: 48000)
        let samples = (0..<48000).map { Int16(32767 * sin(2 * Double.pi * 997 * Double($0) / 48000)) }
        var last = -100.0
        meter.feed(samples) { _, lufs in last = lufs }
        XCTAssertEqual(last, -3.01, accuracy: 0.1)
    }
}
