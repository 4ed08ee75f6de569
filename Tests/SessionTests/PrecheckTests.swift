import Encode
import ProctorModel
@testable import Session
import XCTest
@testable import Exam
@testable import Seal

/// Individual precheck checks against real system state (processes, filesystems) and the
/// readiness rule.
final class PrecheckTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("precheck-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func exam(_ edit: (inout ExamSettings) -> Void = { _ in }) throws -> ExamFile {
        var settings = try ExamSettings.load(settings: SettingsTests.exampleURL)
        edit(&settings)
        return try ExamFile.decode(ExamFile.encode(settings, signedBy: InstructorIdentity.generate(name: "t")))
    }

    func testRunningForbiddenProgramIsNamed() throws {
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = ["30"]
        try sleeper.run()
        defer { sleeper.terminate(); sleeper.waitUntilExit() }

        let context = PrecheckContext(exam: try exam { $0.forbiddenPrograms = ["sleep", "discord"] })
        let result = ForbiddenProgramsCheck().run(context)
        XCTAssertEqual(result.status, .fail)
        XCTAssertEqual(result.message, "running now: sleep")
        XCTAssertEqual(result.hint, "Quit sleep before you begin (it is flagged if it runs during the exam)")

        let clean = ForbiddenProgramsCheck().run(PrecheckContext(exam: try exam { $0.forbiddenPrograms = ["no-such-prog"] }))
        XCTAssertEqual(clean.status, .pass)
    }

    /// A copy of the sysfs layout: cardN-CONNECTOR/status files as the kernel writes them.
    func testDisplaysCountedFromDRMConnectors() throws {
        let drm = directory.appendingPathComponent("drm")
        for (connector, status) in [("card0-eDP-1", "connected"), ("card0-HDMI-A-1", "connected"), ("card0-DP-1", "disconnected")] {
            let dir = drm.appendingPathComponent(connector)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try (status + "\n").write(to: dir.appendingPathComponent("status"), atomically: true, encoding: .utf8)
        }
        try FileManager.default.createDirectory(at: drm.appendingPathComponent("card0"), withIntermediateDirectories: true)
        XCTAssertEqual(DisplayProbe.connectedDisplays(sysfs: drm), ["card0-HDMI-A-1", "card0-eDP-1"])

        let strict = DisplaysCheck(sysfs: drm).run(PrecheckContext(exam: try exam()))
        XCTAssertEqual(strict.status, .fail)
        XCTAssertEqual(strict.message, "2 displays connected (HDMI-A-1, eDP-1); this exam allows 1")
        let lenient = DisplaysCheck(sysfs: drm).run(PrecheckContext(exam: try exam { $0.allowedDisplays = 2 }))
        XCTAssertEqual(lenient.status, .pass)
        XCTAssertEqual(DisplaysCheck(sysfs: directory.appendingPathComponent("absent")).run(PrecheckContext()).status, .skip)
    }

    func testDiskNeedCoversEveryStreamForTheWholeTimeLimit() throws {
        let settings = try exam().settings
        // (500 + 32 + 300) kbit/s for 90 min + 20 s room scan, plus 20% and a 50 MB reserve.
        XCTAssertEqual(DiskSpaceCheck.bytesNeeded(settings, student: nil), 832_000.0 / 8 * 5420 * 1.2 + 50_000_000, accuracy: 1)
        XCTAssertEqual(DiskSpaceCheck.bytesNeeded(settings, student: "s1001"), 832_000.0 / 8 * 8120 * 1.2 + 50_000_000, accuracy: 1)
        XCTAssertEqual(DiskSpaceCheck.bytesNeeded(settings, student: "s1002"), 50_000_000)

        var stats = statvfs()
        XCTAssertEqual(statvfs(directory.path, &stats), 0)
        let free = Double(stats.f_bavail) * Double(stats.f_frsize)
        let result = DiskSpaceCheck().run(PrecheckContext(exam: try exam(), outputDirectory: directory))
        XCTAssertEqual(result.status, free >= 2 * DiskSpaceCheck.bytesNeeded(settings, student: nil) ? .pass : (free >= DiskSpaceCheck.bytesNeeded(settings, student: nil) ? .warn : .fail))
        XCTAssertTrue(result.message.contains("the exam needs about 727 MB"), result.message)
        // A day at 20 Mbit/s (about 217 GB): fails wherever the disk is smaller than that.
        let huge = try exam { $0.timeLimitSeconds = 86400; $0.recording.camera.bitrateKbps = 20_000 }
        let hugeNeed = DiskSpaceCheck.bytesNeeded(huge.settings, student: nil)
        XCTAssertGreaterThan(hugeNeed, 200e9)
        XCTAssertEqual(DiskSpaceCheck().run(PrecheckContext(exam: huge, outputDirectory: directory)).status,
                       free < hugeNeed ? .fail : (free < 2 * hugeNeed ? .warn : .pass))
    }

    func testSourceRulesFollowTheExam() throws {
        let withCamera = try exam()
        let none = CameraCheck().run(PrecheckContext(camera: .none, exam: withCamera))
        XCTAssertEqual(none.status, .fail)
        XCTAssertEqual(none.message, "this exam records the camera, but --camera none was given")
        XCTAssertEqual(CameraCheck().run(PrecheckContext(camera: .none)).status, .skip)
        XCTAssertEqual(CameraCheck().run(PrecheckContext(camera: .test, exam: withCamera)).status, .pass)
        XCTAssertEqual(CameraCheck().run(PrecheckContext(camera: .v4l2(device: "/dev/video9"), exam: withCamera, student: "s1002")).status, .skip,
                       "a fully exempt student records nothing")
        let noCamera = try exam { $0.recording.camera.enabled = false; $0.verification = .init(idPhoto: false, facePhoto: false, roomScanSeconds: 0) }
        XCTAssertEqual(CameraCheck().run(PrecheckContext(camera: .v4l2(device: "/dev/video9"), exam: noCamera)).status, .skip)
        let file = CameraCheck().run(PrecheckContext(camera: .file(path: directory.appendingPathComponent("none.mkv").path)))
        XCTAssertEqual(file.status, .fail)
        XCTAssertEqual(ScreenCheck().run(PrecheckContext(screen: .x11(display: ":87"))).message, "X display :87 was not found")
    }

    func testHeadlessSkipsDeviceChecksAndAnyFailureMeansNotReady() {
        struct Fixed: PrecheckCheck {
            let id: String
            let title = "fixed"
            let mode: PrecheckMode
            let status: PrecheckResult.Status
            func run(_ context: PrecheckContext) -> PrecheckResult { PrecheckResult(status, id) }
        }
        let checks: [any PrecheckCheck] = [Fixed(id: "a", mode: .always, status: .pass), Fixed(id: "d", mode: .device, status: .fail),
                                           Fixed(id: "h", mode: .headless, status: .warn)]
        let headless = Precheck.run(PrecheckContext(headless: true), checks: checks)
        XCTAssertEqual(headless.checks.map(\.id), ["a", "h"])
        XCTAssertTrue(headless.ready, "a warning does not block")
        let device = Precheck.run(PrecheckContext(headless: false), checks: checks)
        XCTAssertEqual(device.checks.map(\.id), ["a", "d"])
        XCTAssertFalse(device.ready)
    }

    /// The microphone check through the real ALSA probe: ALSA's `null` PCM is a plain capture
    /// device, and the same PCM reading from a PulseAudio monitor source is a warning.
    func testMonitorSourceIsAVirtualMicrophoneWarning() throws {
        let exam = try exam()
        let plain = MicrophoneCheck().run(PrecheckContext(microphone: .alsa(pcm: "null"), exam: exam, environment: [:]))
        XCTAssertEqual(plain.status, .pass, plain.message)
        let monitor = MicrophoneCheck().run(PrecheckContext(microphone: .alsa(pcm: "null"), exam: exam,
                                                            environment: ["PULSE_SOURCE": "alsa_output.pci-0000_00_1f.3.analog-stereo.monitor"]))
        XCTAssertEqual(monitor.status, .warn)
        XCTAssertEqual(monitor.message, "ALSA PCM 'null' is not a microphone (PCM 'null (PULSE_SOURCE=alsa_output.pci-0000_00_1f.3.analog-stereo.monitor)' is a monitor source: it records what the computer plays); the recording will be flagged mic.virtual")
        XCTAssertEqual(monitor.hint, "Choose your real microphone with --mic alsa:NAME (see `arecord -l`)")
    }

    /// What recording start seals for the same two cases, for the session to call.
    func testVirtualDeviceFlagsAtRecordingStart() throws {
        let detection = DetectionSettings()
        XCTAssertEqual(VirtualDeviceFlags.events(camera: .none, microphone: .alsa(pcm: "null"), settings: detection, at: 0, environment: [:]), [])
        let events = VirtualDeviceFlags.events(camera: .test, microphone: .alsa(pcm: "null"), settings: detection, at: 1.5,
                                               environment: ["PULSE_SOURCE": "null-sink.monitor"])
        XCTAssertEqual(events.map(\.kind), ["mic.virtual"])
        XCTAssertEqual(events.first?.severity, .flag)
        XCTAssertEqual(events.first?.start, 1.5)
        XCTAssertEqual(events.first?.detector, "recording")
        XCTAssertEqual(events.first?.subject, "PCM=null (PULSE_SOURCE=null-sink.monitor)")
        let exempt = DetectionSettings(exemptKinds: ["mic.virtual"])
        XCTAssertEqual(VirtualDeviceFlags.events(camera: .test, microphone: .alsa(pcm: "null"), settings: exempt, at: 0,
                                                 environment: ["PULSE_SOURCE": "x.monitor"]), [])
        XCTAssertNotNil(EventKind.named("camera_virtual"))
        XCTAssertEqual(EventKind.named("mic.virtual")?.source, .microphone)
    }
}
