import Foundation
import ProctorModel
import Synchronization

/// Runs one `CaptureDevice` on a dedicated thread, handing what it reads to the pipeline
/// queue. A device that fails is reported, closed and retried every `retryInterval` seconds
/// while the rest of the recording goes on.
final class CaptureThread: Sendable {
    /// The device (C handles, not Sendable) is reached only through this lock, which the
    /// capture thread holds for as long as it runs: nothing else can touch it meanwhile.
    private let device: Mutex<CaptureDevice>
    private let role: SourceRole
    private let queue: BoundedQueue
    private let retryInterval: Double
    private let stopping = Atomic<Bool>(false)
    private let started = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)

    init(device: sending CaptureDevice, queue: BoundedQueue, retryInterval: Double = 2) {
        role = device.role
        self.device = Mutex(device)
        self.queue = queue
        self.retryInterval = retryInterval
    }

    /// Uses the device on the caller's thread before `start` (the photos taken before recording);
    /// `.usage` once the capture thread owns it.
    func withDevice<Result: Sendable>(_ body: (inout sending CaptureDevice) throws(ProctorError) -> Result) throws(ProctorError) -> Result {
        guard !started.load(ordering: .acquiring) else {
            throw ProctorError(.usage, "the \(role.noun) is recording; it cannot be read outside the recording")
        }
        return try device.withLock { (device) throws(ProctorError) in try body(&device) }
    }

    /// Starts reading, stamping what is read on `clock` (pacing restarts: reads done through
    /// `withDevice` do not count).
    func start(clock: MediaClock) {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let thread = Thread { [self] in
            device.withLock { device in
                device.resetPacing()
                run(device, clock)
            }
            done.signal()
        }
        thread.name = "proctor-capture-\(role.rawValue)"
        thread.qualityOfService = .userInteractive
        thread.start()
    }

    /// Asks the thread to stop after its current read and waits for it.
    func stop() {
        stopping.store(true, ordering: .releasing)
        guard started.load(ordering: .acquiring) else { return }
        done.wait()
        // A second stop must not wait for a signal that already came.
        done.signal()
    }

    private var shouldStop: Bool { stopping.load(ordering: .acquiring) }

    private func run(_ device: CaptureDevice, _ clock: MediaClock) {
        var lostAt: Double?
        while !shouldStop {
            if !device.isOpen {
                do {
                    try device.open()
                    if let since = lostAt {
                        let now = clock.now()
                        notice("restored", at: since, end: now, measured: ["gapSeconds": now - since],
                               "The \(role.rawValue) is recording again after \(String(format: "%.1f", now - since)) s.")
                        lostAt = nil
                    }
                } catch {
                    pause(retryInterval, clock)
                    continue
                }
            }
            do {
                guard let item = try device.next(clock: clock) else {
                    notice("ended", at: clock.now(), "The \(role.rawValue) source has no more data.")
                    break
                }
                queue.push(item)
            } catch {
                device.close()
                let now = clock.now()
                notice("lost", at: now, "The \(role.rawValue) stopped delivering (\(error.message)); retrying.")
                guard device.retries else { break }
                lostAt = now
            }
        }
        device.close()
    }

    /// "camera.lost", "mic.restored", ...: the role's timeline name, then what happened.
    private func notice(_ what: String, at time: Double, end: Double? = nil, measured: [String: Double] = [:], _ message: String) {
        queue.push(.notice(RecordingNotice(kind: "\(role.rawValue).\(what)", source: role, time: time, end: end, measured: measured, message: message)))
    }

    /// Sleeps in short steps so that a stop request is not held up by a retry wait.
    private func pause(_ seconds: Double, _ clock: MediaClock) {
        let until = clock.now() + seconds
        while !shouldStop, clock.now() < until { usleep(50_000) }
    }
}
