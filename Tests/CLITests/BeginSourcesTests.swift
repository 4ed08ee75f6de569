import Foundation
import TestTools
import XCTest

/// `begin` with a microphone from the ALSA configuration and a screen under Xvfb.
final class BeginSourcesTests: XCTestCase {
    /// A busy microphone is exit 69 with one clear line, before anything is recorded.
    func testBusyMicrophoneExits69BeforeAnythingIsRecorded() throws {
        let kit = try RecordingSessionKit()
        defer { kit.remove() }
        let server = try FakeSoundServer(directory: kit.directory)
        defer { server.stop() }
        try server.asoundrc(pcm: "classmic").write(to: kit.directory.appendingPathComponent(".asoundrc"), atomically: true, encoding: .utf8)
        let run = try ProctorBinary.run(["begin", "--exam", kit.examURL.path, "--student", "s1", "--camera", "test",
                                         "--mic", "alsa:classmic", "--screen", "none", "--accept"], environment: kit.environment)
        XCTAssertEqual(run.status, 69)
        XCTAssertEqual(run.stderr, "proctor: microphone 'classmic' is in use by another program; close it and try again\n")
        XCTAssertEqual(run.stdout, "")
        XCTAssertEqual(kit.bundles, [])
    }

    /// A known speech recording played as the microphone through ALSA's `file` plugin
    /// (`--mic alsa:NAME`, defined in ~/.asoundrc) comes back from the sealed bundle with its
    /// length and loudness; the screen of an Xvfb display is recorded as its own H.264 track.
    func testSpeechMicrophoneAndXvfbScreenComeBackFromTheBundle() throws {
        let kit = try RecordingSessionKit(camera: false, screen: true)
        defer { kit.remove() }
        let display = try XvfbDisplay.start()
        defer { display.stop() }
        let speech = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/audio/speech-48k-s16le-mono.raw")
        let asoundrc = """
        pcm.speech {
            type file
            slave.pcm { type null }
            file "/dev/null"
            infile "\(speech.path)"
            format "raw"
        }
        """
        try asoundrc.write(to: kit.directory.appendingPathComponent(".asoundrc"), atomically: true, encoding: .utf8)
        let run = try ProctorBinary.run(["begin", "--exam", kit.examURL.path, "--student", "s1", "--camera", "none",
                                         "--mic", "alsa:speech", "--screen", "x11:\(display.name)", "--duration", "4", "--accept"],
                                        environment: kit.environment)
        XCTAssertEqual(run.status, 0, run.stderr)
        let bundle = try XCTUnwrap(kit.bundles.first)
        let media = try kit.writeTemporary(try XCTUnwrap(kit.read(bundle).parts[0]), name: "speech.mkv")
        let streams = try MediaCheck.streams(media)
        XCTAssertEqual(streams.map(\.codec), ["h264", "opus"], "screen, then microphone")
        XCTAssertEqual(Double(streams[0].frames), 8, accuracy: 2, "2 fps screen for 4 s")
        XCTAssertEqual(streams[0].duration, 4, accuracy: 0.6, "a 2 fps stream ends on a 0.5 s step")
        XCTAssertEqual(streams[1].duration, 4, accuracy: 0.3)

        // Decode the audio with ffmpeg to raw samples and compare with the fixture.
        let pcm = kit.directory.appendingPathComponent("speech-out.raw")
        _ = try MediaCheck.run("ffmpeg", ["-v", "error", "-i", media.path, "-map", "0:a", "-f", "s16le", "-ac", "1", "-ar", "48000", pcm.path])
        let samples = try Data(contentsOf: pcm).withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        let speechSamples = Int(2.950604 * 48_000)
        XCTAssertGreaterThan(samples.count, speechSamples)
        let rms = { (slice: ArraySlice<Int16>) in
            (slice.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(slice.count, 1))).squareRoot() / 32768
        }
        let decibels = 20 * log10(rms(samples.prefix(speechSamples)) / 0.083712)
        XCTAssertEqual(decibels, 0, accuracy: 1, "speech loudness (fixture RMS 0.083712)")
        XCTAssertLessThan(rms(samples.dropFirst(speechSamples + 4800)), 0.002, "silence after the speech")
    }
}
