@testable import Detect
import Foundation
import XCTest
@testable import ProctorModel
import TestTools

final class SystemCheckTests: XCTestCase {
    /// Only the system kinds, so the runner does not load dlib for these tests.
    static let mediaKinds: Set<String> = ["face.missing", "face.multiple", "gaze.away", "light.insufficient",
                                          "camera.blocked", "camera.frozen", "scene.change",
                                          "audio.speech", "audio.loud", "mic.silent", "scan.speech", "scan.faces"]

    /// A real process, named like a forbidden program, started during a running session.
    func testForbiddenProgramStartedDuringSessionIsFlaggedWithItsName() throws {
        let root = try FakeRoot()
        let program = root.url.appendingPathComponent("examcheat")
        try FileManager.default.copyItem(atPath: "/bin/sleep", toPath: program.path)
        let settings = DetectionSettings(exemptKinds: Self.mediaKinds.union(["vm.detected", "network.changed", "clock.jump", "display.extra"]),
                                         forbiddenPrograms: ["ExamCheat", "discord"])
        let collected = Collected()
        let clock = ManualClock()
        let runner = DetectorRunner(settings: settings, options: .init(systemInterval: 0.05, clock: { clock.now }),
                                    onEvent: { collected.append($0) })
        // The runner samples once each time the session clock passes its next sample time, so
        // each clock step below gets one sample (`sampledSinceMove`). The program must be
        // visible under its own name before the step to 10 (until exec completes, /proc shows
        // the parent's name), and gone, reaped, before the step to 20.
        XCTAssertTrue(clock.sampledSinceMove(timeout: 5), "the runner sampled at 0, before the program started")
        let process = Process()
        process.executableURL = program
        process.arguments = ["30"]
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let comm = "/proc/\(process.processIdentifier)/comm"
        XCTAssertTrue(waitUntil(timeout: 5) { (try? String(contentsOfFile: comm, encoding: .utf8))?.hasPrefix("examcheat") == true })
        clock.now = 10
        XCTAssertTrue(clock.sampledSinceMove(timeout: 5), "the runner sampled at 10, with the program running")
        process.terminate()
        process.waitUntilExit()
        clock.now = 20
        // The sample at 20 finds the program gone and closes its interval, which the runner reports.
        // (The open event sealed when the program was first seen does not count: wait for the closing one.)
        XCTAssertTrue(waitUntil(timeout: 5) { collected.events.contains { $0.kind == "program.forbidden" && !$0.isOpen } },
                      "the sample at 20 closed the interval")
        let closing = runner.finish(at: 30)
        let flagged = (collected.events + closing).closingEvents.filter { $0.kind == "program.forbidden" }
        XCTAssertEqual(flagged.count, 1, "\(flagged)")
        let event = try XCTUnwrap(flagged.first)
        XCTAssertEqual(event.subject, "ExamCheat", "named as the exam lists it")
        XCTAssertTrue(event.message.contains("\"ExamCheat\""), event.message)
        XCTAssertEqual(event.measured["pid"], Double(process.processIdentifier))
        XCTAssertEqual(event.start, 10)
        XCTAssertEqual(event.end, 20)
        XCTAssertEqual(event.severity, .flag)
    }

    func testSecondDisplayConnectedForAnInterval() throws {
        let root = try FakeRoot()
        try root.write("sys/class/drm/card0-eDP-1/status", "connected\n")
        try root.write("sys/class/drm/card0-HDMI-A-1/status", "disconnected\n")
        try root.write("sys/class/drm/card0/dev", "226:0\n")
        var check = try XCTUnwrap(DisplayCheck(settings: DetectionSettings(), roots: SystemRoots(proc: root.proc, sys: root.sys)))
        XCTAssertEqual(check.sample(at: 0), [])
        try root.write("sys/class/drm/card0-HDMI-A-1/status", "connected\n")
        XCTAssertEqual(check.sample(at: 5).closingEvents, [])  // the closing events; each condition's open event (sealed as it starts) is checked in OpenEventTests
        XCTAssertEqual(check.sample(at: 10).closingEvents, [])
        try root.write("sys/class/drm/card0-HDMI-A-1/status", "disconnected\n")
        let events = check.sample(at: 15)
        XCTAssertEqual(events.count, 1)
        XCTAssertEqual(events.first?.kind, "display.extra")
        XCTAssertEqual(events.first?.start, 5)
        XCTAssertEqual(events.first?.end, 15)
        XCTAssertEqual(events.first?.measured["displays"], 2)
        XCTAssertEqual(events.first?.subject, "card0-HDMI-A-1, card0-eDP-1")
        // Two displays are fine when the exam allows two.
        var relaxed = try XCTUnwrap(DisplayCheck(settings: DetectionSettings(allowedDisplays: 2), roots: SystemRoots(proc: root.proc, sys: root.sys)))
        try root.write("sys/class/drm/card0-HDMI-A-1/status", "connected\n")
        XCTAssertEqual(relaxed.sample(at: 0) + relaxed.finish(at: 10), [])
    }

    func testVirtualMachineFromDMIAndCPUFlag() throws {
        let vm = try FakeRoot()
        try vm.write("sys/class/dmi/id/sys_vendor", "QEMU\n")
        try vm.write("sys/class/dmi/id/product_name", "Standard PC (Q35 + ICH9, 2009)\n")
        try vm.write("proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu vme de pse tsc msr hypervisor lahf_lm\n")
        var check = try XCTUnwrap(VirtualMachineCheck(settings: DetectionSettings(), roots: SystemRoots(proc: vm.proc, sys: vm.sys)))
        let events = check.sample(at: 1)
        XCTAssertEqual(events.map(\.kind), ["vm.detected"])
        XCTAssertEqual(events.first?.subject, "sys_vendor=QEMU; cpu flag hypervisor")
        XCTAssertEqual(check.sample(at: 6), [], "judged once")

        let metal = try FakeRoot()
        try metal.write("sys/class/dmi/id/sys_vendor", "LENOVO\n")
        try metal.write("sys/class/dmi/id/product_name", "20XW0055GE\n")
        try metal.write("proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu vme de pse tsc msr lahf_lm\n")
        var bare = try XCTUnwrap(VirtualMachineCheck(settings: DetectionSettings(), roots: SystemRoots(proc: metal.proc, sys: metal.sys)))
        XCTAssertEqual(bare.sample(at: 1), [])
    }

    func testNetworkChangeNamesWhatChanged() throws {
        let root = try FakeRoot()
        try root.write("sys/class/net/lo/operstate", "unknown\n")
        try root.write("sys/class/net/eth0/operstate", "up\n")
        let trie = """
        Main:
          +-- 0.0.0.0/0 3 0 5
             |-- 0.0.0.0
                /0 universe UNICAST
             +-- 127.0.0.0/8 2 0 2
                |-- 127.0.0.1
                   /32 host LOCAL
             |-- 10.0.2.15
                /32 host LOCAL
        """
        try root.write("proc/net/fib_trie", trie + "\n")
        try root.write("proc/net/if_inet6", "00000000000000000000000000000001 01 80 10 80       lo\n")
        var check = try XCTUnwrap(NetworkCheck(settings: DetectionSettings(), roots: SystemRoots(proc: root.proc, sys: root.sys)))
        XCTAssertEqual(check.snapshot(), ["if eth0 up", "addr 10.0.2.15"])
        XCTAssertEqual(check.sample(at: 0), [])
        XCTAssertEqual(check.sample(at: 5), [])
        // A phone is tethered: a new interface with its own address.
        try root.write("sys/class/net/usb0/operstate", "up\n")
        try root.write("proc/net/fib_trie", trie + "\n     |-- 192.168.42.7\n        /32 host LOCAL\n")
        try root.write("proc/net/if_inet6", "fe800000000000000000000000000abc 03 40 20 80     usb0\n")
        let events = check.sample(at: 10)
        XCTAssertEqual(events.map(\.kind), ["network.changed"])
        XCTAssertEqual(events.first?.start, 10)
        XCTAssertEqual(events.first?.subject, "+addr 192.168.42.7; +addr fe80:0:0:0:0:0:0:abc; +if usb0 up")
        XCTAssertEqual(check.sample(at: 15), [])
    }

    func testClockJumpAgainstBootClock() throws {
        let readings = Readings([(1000, 50), (1005, 55), (1070, 60), (1075, 65)])
        var check = try XCTUnwrap(ClockCheck(settings: DetectionSettings(), read: { readings.next() }))
        XCTAssertEqual(check.sample(at: 0), [])
        XCTAssertEqual(check.sample(at: 5), [])
        let jump = check.sample(at: 10)
        XCTAssertEqual(jump.map(\.kind), ["clock.jump"])
        XCTAssertEqual(jump.first?.measured["jumpSeconds"], 60)
        XCTAssertEqual(check.sample(at: 15), [])
        // The real clocks agree with each other between two quick readings.
        let a = ClockCheck.now(), b = ClockCheck.now()
        XCTAssertEqual((b.wall - a.wall) - (b.steady - a.steady), 0, accuracy: 0.01)
    }
}

/// Events gathered from the runner's thread.
final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [TimelineEvent] = []
    func append(_ event: TimelineEvent) { lock.lock(); stored.append(event); lock.unlock() }
    var events: [TimelineEvent] { lock.lock(); defer { lock.unlock() }; return stored }
}

/// A media clock the test moves by hand, counting how often it was read since it last moved.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0.0
    private var readsSinceMove = 0
    var now: Double {
        get { lock.lock(); defer { lock.unlock() }; readsSinceMove += 1; return value }
        set { lock.lock(); value = newValue; readsSinceMove = 0; lock.unlock() }
    }

    /// Waits until the runner has taken a system sample at the current time. Each pass of its
    /// loop reads the clock (for its wait, then for the sample time) and samples when the time
    /// has reached its next sample time; a pass already past its read when the clock moved
    /// reads it once more before the next pass, so three reads at the new time include a
    /// complete pass that sampled.
    func sampledSinceMove(timeout: Double) -> Bool {
        waitUntil(timeout: timeout) { lock.lock(); defer { lock.unlock() }; return readsSinceMove >= 3 }
    }
}

final class Readings: @unchecked Sendable {
    private let lock = NSLock()
    private var remaining: [(wall: Double, steady: Double)]
    init(_ readings: [(wall: Double, steady: Double)]) { remaining = readings }
    func next() -> (wall: Double, steady: Double) {
        lock.lock(); defer { lock.unlock() }
        return remaining.removeFirst()
    }
}
