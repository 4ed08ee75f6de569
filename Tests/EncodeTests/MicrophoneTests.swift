@testable import Encode
import Foundation
import XCTest
@testable import ProctorModel

final class MicrophoneTests: XCTestCase {
    /// A known speech recording played as the microphone through ALSA's `file` plugin comes
    /// back from the Opus stream with its length and its loudness, followed by the silence the
    /// plugin's null slave delivers once the file is used up.
    func testSpeechThroughALSAFilePluginKeepsDurationAndLoudness() throws {
        var settings = RecordingSettings()
        settings.alsaConfiguration = Fixtures.alsaFileMicrophone(name: "speech", file: Fixtures.speech)
        let sink = MemorySink()
        let tap = CollectingTap()
        let recorder = try Recorder(sources: RecordingSources(camera: .none, microphone: .alsa(pcm: "speech")),
                                    settings: settings)
        try recorder.start(into: sink, tap: tap)
        Thread.sleep(forTimeInterval: Fixtures.speechSeconds + 1)
        let recorded = recorder.clock.now()
        try recorder.finish()

        let file = try Fixtures.temporaryFile(sink.bytes)
        defer { try? FileManager.default.removeItem(at: file) }
        XCTAssertEqual(try Fixtures.probeCodecs(file), ["opus"])
        let audio = try Fixtures.decode(file, .audio)
        let seconds = Double(audio.samples.count) / 48_000
        XCTAssertEqual(seconds, recorded, accuracy: 0.15, "paced to real time although the null slave is not")
        // Opus at 32 kbit/s keeps speech loudness within about half a decibel.
        let speech = audio.samples.prefix(Int(Fixtures.speechSeconds * 48_000))
        let decibels = 20 * log10(audio.rms(of: speech) / Fixtures.speechRMS)
        XCTAssertEqual(decibels, 0, accuracy: 1, "speech RMS \(audio.rms(of: speech)) against \(Fixtures.speechRMS)")
        let tail = audio.samples.dropFirst(Int((Fixtures.speechSeconds + 0.1) * 48_000))
        XCTAssertGreaterThan(tail.count, 24_000)
        XCTAssertLessThan(audio.rms(of: tail), 0.002, "after the file the microphone is silent")
        // The detectors get the same samples in period-sized blocks.
        XCTAssertEqual(tap.audio.reduce(0) { $0 + $1.duration }, seconds, accuracy: 0.1)
    }

    func testUnknownPCMIsDeviceUnavailable() {
        XCTAssertThrowsError(try PCMCapture(name: "proctor_missing", rate: 48_000, configText: "pcm.other { type null }")) { error in
            XCTAssertEqual((error as? ProctorError)?.code, .deviceUnavailable)
            XCTAssertEqual((error as? ProctorError)?.message, "microphone 'proctor_missing' was not found")
        }
    }

    func testBusyPCMIsDeviceBusy() {
        let error = PCMCapture.openError(-EBUSY, name: "hw:0,0")
        XCTAssertEqual(error.code, .deviceBusy)
        XCTAssertEqual(error.message, "microphone 'hw:0,0' is in use by another program; close it and try again")
        XCTAssertEqual(error.detail, "snd_pcm_open(hw:0,0) returned -16 (Device or resource busy)")
    }

    func testBadALSAConfigurationIsAUsageError() {
        XCTAssertThrowsError(try ALSAConfig(text: "pcm.broken { type ")) { error in
            XCTAssertEqual((error as? ProctorError)?.code, .usage)
        }
    }
}
