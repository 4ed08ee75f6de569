import Foundation
import ProctorModel

/// `clock.jump`: the wall clock moved differently from the boot-time clock between samples,
/// i.e. someone set the time. CLOCK_BOOTTIME keeps counting through suspend, so a laptop
/// lid closed for a minute is not a jump.
struct ClockCheck: SystemCheck {
    static let id = EventKind.Writer.system
    typealias Reading = (wall: Double, steady: Double)
    static let defaultLimit = 2.0

    private let read: @Sendable () -> Reading
    private let limit: Double
    private var last: Reading?

    init?(settings: DetectionSettings, read: @escaping @Sendable () -> Reading = ClockCheck.now) {
        guard let config = settings.config(for: "clock.jump") else { return nil }
        self.read = read
        limit = config.limit(Self.defaultLimit)
    }

    @Sendable static func now() -> Reading {
        var wall = timespec(), steady = timespec()
        clock_gettime(CLOCK_REALTIME, &wall)
        clock_gettime(CLOCK_BOOTTIME, &steady)
        return (Double(wall.tv_sec) + Double(wall.tv_nsec) / 1e9, Double(steady.tv_sec) + Double(steady.tv_nsec) / 1e9)
    }

    mutating func sample(at time: Double) -> [TimelineEvent] {
        let reading = read()
        defer { last = reading }
        guard let last else { return [] }
        let jump = (reading.wall - last.wall) - (reading.steady - last.steady)
        guard abs(jump) > limit else { return [] }
        return [TimelineEvent(kind: "clock.jump", detector: Self.id, severity: .flag, start: time,
                              measured: ["jumpSeconds": jump], thresholds: ["limitSeconds": limit],
                              message: "The computer's clock was set \(jump > 0 ? "forward" : "back") by \(format(abs(jump))) s during the exam.")]
    }
}
