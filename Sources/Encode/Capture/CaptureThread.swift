import Foundation
import ProctorModel

/// Runs one `CaptureDevice` on a dedicated thread, handing what it reads to the pipeline
/// queue. A device that fails is reported, closed and retried every `retryInterval` seconds
/// while the rest of the recording goes on.
final class CaptureThread: @unchecked Sendable {
    private let device: CaptureDevice
    private let queue: BoundedQueue
    private let clock: MediaClock
    private let retryInterval: Double
    private let state = Mutex()
    private var stopping = false
    private let done = DispatchSemaphore(value: 0)
    private var thread: Thread?

    init(device: CaptureDevice, queue: BoundedQueue, clock: MediaClock, retryInterval: Double = 2) {
        self.device = device
        self.queue = queue
        self.clock = clock
        self.retryInterval = retryInterval
    }

    func start() {
        let thread = Thread { [self] in
            run()
            done.signal()
        }
        thread.name = "proctor-capture-\(device.role)"
        thread.qualityOfService = .userInteractive
        self.thread = thread
        thread.start()
    }

    /// Asks the thread to stop after its current read and waits for it.
    func stop() {
        state.locked { stopping = true }
        guard thread != nil else { return }
        done.wait()
        thread = nil
    }

    private var shouldStop: Bool { state.locked { stopping } }

    private func run() {
        var lostAt: Double?
        while !shouldStop {
            if !device.isOpen {
                do {
                    try device.open()
                    if let since = lostAt {
                        let now = clock.now()
                        notice("\(device.role).restored", at: since, end: now, measured: ["gapSeconds": now - since],
                               "The \(device.role) is recording again after \(String(format: "%.1f", now - since)) s.")
                        lostAt = nil
                    }
                } catch {
                    pause(retryInterval)
                    continue
                }
            }
            do {
                guard let item = try device.next(clock: clock) else {
                    notice("\(device.role).ended", at: clock.now(), "The \(device.role) source has no more data.")
                    break
                }
                queue.push(item)
            } catch {
                device.close()
                let now = clock.now()
                notice("\(device.role).lost", at: now, "The \(device.role) stopped delivering (\(error.message)); retrying.")
                guard device.retries else { break }
                lostAt = now
            }
        }
        device.close()
    }

    private func notice(_ kind: String, at time: Double, end: Double? = nil, measured: [String: Double] = [:], _ message: String) {
        queue.push(.notice(RecordingNotice(kind: kind, source: device.role, time: time, end: end, measured: measured, message: message)))
    }

    /// Sleeps in short steps so that a stop request is not held up by a retry wait.
    private func pause(_ seconds: Double) {
        let until = clock.now() + seconds
        while !shouldStop, clock.now() < until { usleep(50_000) }
    }
}
