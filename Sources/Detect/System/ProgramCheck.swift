/// `program.forbidden`: a process whose name (/proc/PID/comm) is on the exam's list. One
/// interval per program name, from the first sample it was seen running to the first it was not.
import ProctorModel

struct ProgramCheck: SystemCheck {
    static let id = EventKind.Writer.system
    /// The kernel keeps 15 bytes of a process name (TASK_COMM_LEN 16 with the NUL).
    static let commLength = 15

    private let roots: SystemRoots
    private let minimum: Double
    /// Lower-cased, truncated as the kernel would, mapped back to the name the exam used.
    private let names: [String: String]
    private var trackers: [String: ConditionTracker] = [:]

    init?(settings: DetectionSettings, roots: SystemRoots) {
        guard let config = settings.config(for: "program.forbidden"), !settings.forbiddenPrograms.isEmpty else { return nil }
        self.roots = roots
        minimum = config.minimum(0)
        var names: [String: String] = [:]
        for name in settings.forbiddenPrograms where !name.isEmpty {
            names[String(name.lowercased().utf8.prefix(Self.commLength)) ?? name.lowercased()] = name
        }
        self.names = names
    }

    /// Running forbidden programs: exam name -> pids.
    func running() -> [String: [Int]] {
        var found: [String: [Int]] = [:]
        for entry in roots.list(roots.proc) {
            guard let pid = Int(entry), let comm = roots.read("\(roots.proc)/\(entry)/comm") else { continue }
            if let name = names[comm.trimmingWhitespace().lowercased()] { found[name, default: []].append(pid) }
        }
        return found
    }

    mutating func sample(at time: Double) -> [TimelineEvent] {
        let found = running()
        var events: [TimelineEvent] = []
        for name in Set(found.keys).union(trackers.keys).sorted() {
            if trackers[name] == nil {
                var tracker = ConditionTracker(kind: "program.forbidden", detector: Self.id, minimumSeconds: minimum, gapSeconds: 0) { seconds, measured in
                    "The forbidden program \"\(name)\" was running (\(format(measured["processes"] ?? 1, digits: 0)) process(es)) for \(format(seconds)) s."
                }
                tracker.subject = name
                trackers[name] = tracker
            }
            let pids = found[name] ?? []
            var measured = ["processes": Double(pids.count)]
            if let first = pids.first { measured["pid"] = Double(first) }
            if let event = trackers[name]?.update(at: time, holds: !pids.isEmpty, measured: measured) { events.append(event) }
        }
        return events
    }

    mutating func finish(at time: Double) -> [TimelineEvent] {
        trackers.keys.sorted().compactMap { trackers[$0]?.finish(at: time) }
    }
}
