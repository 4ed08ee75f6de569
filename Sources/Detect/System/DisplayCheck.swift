/// `display.extra`: more connected displays than the exam allows, from the kernel's DRM
/// connectors (/sys/class/drm/card*-*/status), which see every monitor whether or not an
/// X or Wayland session uses it. (XRandR would need a display connection the recorder may
/// not have and could not see more than DRM does.)
import ProctorModel

struct DisplayCheck: SystemCheck {
    static let id = EventKind.Writer.system
    private let roots: SystemRoots
    private let allowed: Int
    private var tracker: ConditionTracker

    init?(settings: DetectionSettings, roots: SystemRoots) {
        guard let config = settings.config(for: "display.extra") else { return nil }
        self.roots = roots
        allowed = settings.allowedDisplays
        tracker = ConditionTracker(kind: "display.extra", detector: Self.id, minimumSeconds: config.minimum(0), gapSeconds: 0,
                                   thresholds: ["allowedDisplays": Double(settings.allowedDisplays)]) { [allowed = settings.allowedDisplays] seconds, measured in
            "\(format(measured["displays"] ?? 0, digits: 0)) displays were connected (\(allowed) allowed) for \(format(seconds)) s."
        }
    }

    /// Connector names whose status is "connected", e.g. ["card0-HDMI-A-1", "card0-eDP-1"].
    func connected() -> [String] {
        let drm = roots.sys + "/class/drm"
        return roots.list(drm).filter { name in
            name.contains("-") && roots.read("\(drm)/\(name)/status")?.trimmingWhitespace() == "connected"
        }
    }

    mutating func sample(at time: Double) -> [TimelineEvent] {
        let names = connected()
        let extra = names.count > allowed
        // Name the displays seen while the condition held, not the ones left when it ended.
        if extra { tracker.subject = names.joined(separator: ", ") }
        return [tracker.update(at: time, holds: extra, measured: ["displays": Double(names.count)])].compactMap { $0 }
    }

    mutating func finish(at time: Double) -> [TimelineEvent] { [tracker.finish(at: time)].compactMap { $0 } }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
