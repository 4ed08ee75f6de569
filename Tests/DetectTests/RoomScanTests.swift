@testable import Detect
import XCTest
@testable import ProctorModel

/// The room scan through the real runner: speech and a second face during the scan become
/// `scan.speech` and `scan.faces`; nothing else is judged before the scan ends, and after it the
/// exam's own detectors take over.
final class RoomScanTests: XCTestCase {
    func testSpeechAndASecondFaceDuringTheScanHaveTheirOwnKinds() throws {
        let scanEnd = 12.0
        var sound = SoundClip(sampleRate: 16000)
        sound.room(2)
        let spoken = sound.voice(try SoundClip.wav("speech_en.wav"))
        sound.room(20 - sound.duration)
        var video = Clip()
        video.add("two", seconds: 8, try Scenes.twoFaces())
        video.add("one", seconds: 12, try Scenes.oneFace())

        let collected = Collected()
        // Only the scan's kinds and the exam's own speech and face counts, so each can be told apart.
        let settings = DetectionSettings(exemptKinds: SystemCheckTests.mediaKinds.subtracting(["scan.speech", "scan.faces", "face.multiple", "audio.speech", "face.missing"])
            .union(["gaze.away", "display.extra", "program.forbidden", "vm.detected", "network.changed", "clock.jump"]))
        // Queues deep enough for the whole clip: this test is about what is judged, not about lag.
        let runner = DetectorRunner(settings: settings, options: .init(imageCapacity: 100, audioCapacity: 2000, systemInterval: 3600,
                                                                       clock: { 0 }, quietUntil: scanEnd),
                                    onEvent: { collected.append($0) })
        var blocks = sound.blocks()[...]
        for frame in video.frames() {
            while let block = blocks.first, block.time < frame.time + 0.5 {
                runner.offer(block)
                blocks = blocks.dropFirst()
            }
            runner.offer(frame)
        }
        blocks.forEach(runner.offer)
        let closing = runner.finish(at: 20)
        let events = (collected.events + closing).closingEvents  // open events are checked in OpenEventTests
        for event in events { print("EVENT \(event.kind) \(event.start)...\(event.end ?? -1) \(event.message)") }
        XCTAssertEqual(runner.skipped.frames, 0)

        let speech = events.filter { $0.kind == "scan.speech" }
        XCTAssertEqual(speech.count, 1, "\(speech)")
        XCTAssertEqual(speech.first?.start ?? -1, spoken + 0.04, accuracy: 0.5)
        XCTAssertEqual(speech.first?.end ?? -1, spoken + 4.66, accuracy: 0.5)
        XCTAssertEqual(speech.first?.detector, RoomScanDetector.id)
        XCTAssertEqual(speech.first?.severity, .flag)

        let faces = events.filter { $0.kind == "scan.faces" }
        XCTAssertEqual(faces.count, 1, "\(faces)")
        XCTAssertEqual(faces.first?.start ?? -1, 0, accuracy: 1)
        XCTAssertEqual(faces.first?.end ?? -1, 8, accuracy: 1)
        XCTAssertEqual(faces.first?.measured["faces"] ?? 0, 2, accuracy: 0.2)
        XCTAssertTrue(faces.first?.message.hasPrefix("During the room scan") ?? false)

        // The exam's own detectors judge nothing of the scan: no face.multiple, no speech, no missing face.
        XCTAssertEqual(events.filter { ["face.multiple", "audio.speech", "face.missing"].contains($0.kind) }.map(\.kind), [])
    }
}
