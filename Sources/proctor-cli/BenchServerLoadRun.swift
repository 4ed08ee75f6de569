import Attest
import Delivery
import Exam
import Foundation
import ProctorModel
import Seal
import Synchronization

/// What `bench-server-load` prints: counts from the client's side, latencies, and the server
/// process's CPU time and peak RSS over the run (from /proc). The script compares the counts
/// with what the server's database holds.
struct ServerLoadReport: Encodable {
    var liveStudents = 0, uploadStudents = 0
    var checkpointSeconds = 0.0, runSeconds = 0.0
    var setupCheckpoints = 0
    var liveCheckpointsMade = 0, liveCheckpointsAccepted = 0, liveCheckpointsRefused = 0, failedSends = 0
    var latencyP50Ms = 0.0, latencyP99Ms = 0.0, latencyMaxMs = 0.0
    /// The same, split at the last receipt: while uploads were running, and after.
    var duringUploadsP50Ms = 0.0, duringUploadsP99Ms = 0.0, duringUploadsCount = 0
    var afterUploadsP50Ms = 0.0, afterUploadsP99Ms = 0.0, afterUploadsCount = 0
    /// From a checkpoint's signing to its acceptance, across the sends that timed out.
    var deliveryP50Ms = 0.0, deliveryP99Ms = 0.0, deliveryMaxMs = 0.0
    var uploadsCompleted = 0, uploadsAllContained = 0, uploadsFailed = 0
    var uploadBytes = 0
    /// From the run's start to the last receipt.
    var uploadSeconds = 0.0
    var uploadsPerSecond = 0.0, uploadMBps = 0.0
    var uploadP50Seconds = 0.0, uploadMaxSeconds = 0.0
    var serverCPUSeconds = 0.0, serverCPUCores = 0.0, serverPeakRSSMiB = 0.0
    /// This process's own CPU over the run: the students share the machine with the server.
    var generatorCPUSeconds = 0.0
    var firstProblem: String?
}

extension Proctor.BenchServerLoad {
    struct UploadOutcome: Sendable {
        var bytes = 0, seconds = 0.0
        var allContained = false, receiptCheckpoints = 0
        var problem: String?
    }

    static func loadRun(live: [BenchStudent], uploaders: [UploadStudent], exam: ExamFile, server: ServerSettings, base: URL,
                        work: URL, interval: Double, seconds: Double, segment: Int, serverPid: Int32,
                        setupCheckpoints: Int) async -> ServerLoadReport {
        let clock = ContinuousClock()
        let start = clock.now
        let cpuBefore = processCPUSeconds(serverPid)
        let ownBefore = processCPUSeconds(getpid())
        let uploadsLeft = UploadsLeft(uploaders.count)
        // Live students stop once the run's length is over and every upload has ended (or at a cap).
        let keepGoing: @Sendable () -> Bool = {
            let elapsed = (clock.now - start) / .seconds(1)
            return elapsed < seconds || (uploadsLeft.count > 0 && elapsed < seconds + 1800)
        }
        enum LoadResult: Sendable { case live(LiveStudentRun.Outcome), upload(UploadOutcome) }
        var report = ServerLoadReport(liveStudents: live.count, uploadStudents: uploaders.count, checkpointSeconds: interval,
                                      setupCheckpoints: setupCheckpoints)
        var latencies: [LatencySample] = []
        var deliveries: [Double] = []
        var uploads: [UploadOutcome] = []
        await withTaskGroup(of: LoadResult.self) { group in
            for (index, student) in live.enumerated() {
                let run = LiveStudentRun(student: student, exam: exam, base: base,
                                         bundle: work.appendingPathComponent("live/\(student.id).proctor"), interval: interval)
                // Spread over one interval, as students who started at different moments are.
                let offset = interval * Double(index) / Double(max(1, live.count))
                group.addTask { .live(await run.run(start: start, offset: offset, keepGoing: keepGoing)) }
            }
            for uploader in uploaders {
                group.addTask {
                    let outcome = await upload(uploader, server: server, segment: segment, clock: clock)
                    uploadsLeft.finishOne()
                    return .upload(outcome)
                }
            }
            for await result in group {
                switch result {
                case .live(let outcome):
                    report.liveCheckpointsMade += outcome.made
                    report.liveCheckpointsAccepted += outcome.accepted
                    report.liveCheckpointsRefused += outcome.refused
                    report.failedSends += outcome.failedSends
                    latencies += outcome.latencies
                    deliveries += outcome.deliveries
                    report.firstProblem = report.firstProblem ?? outcome.firstProblem
                case .upload(let outcome):
                    uploads.append(outcome)
                    report.firstProblem = report.firstProblem ?? outcome.problem
                    // The moment the last receipt arrived, measured from the run's start.
                    if outcome.problem == nil { report.uploadSeconds = max(report.uploadSeconds, (clock.now - start) / .seconds(1)) }
                }
            }
        }
        report.runSeconds = (clock.now - start) / .seconds(1)
        let cpuAfter = processCPUSeconds(serverPid)
        if let ownBefore, let ownAfter = processCPUSeconds(getpid()) { report.generatorCPUSeconds = ownAfter - ownBefore }
        if let cpuBefore, let cpuAfter {
            report.serverCPUSeconds = cpuAfter - cpuBefore
            report.serverCPUCores = report.serverCPUSeconds / report.runSeconds
        }
        report.serverPeakRSSMiB = peakRSSMiB(serverPid) ?? 0
        let all = latencies.map(\.ms).sorted()
        report.latencyP50Ms = percentile(all, 0.50)
        report.latencyP99Ms = percentile(all, 0.99)
        report.latencyMaxMs = all.last ?? 0
        deliveries.sort()
        (report.deliveryP50Ms, report.deliveryP99Ms, report.deliveryMaxMs) = (percentile(deliveries, 0.5), percentile(deliveries, 0.99), deliveries.last ?? 0)
        let during = latencies.filter { $0.at < report.uploadSeconds }.map(\.ms).sorted()
        let after = latencies.filter { $0.at >= report.uploadSeconds }.map(\.ms).sorted()
        (report.duringUploadsP50Ms, report.duringUploadsP99Ms, report.duringUploadsCount) = (percentile(during, 0.5), percentile(during, 0.99), during.count)
        (report.afterUploadsP50Ms, report.afterUploadsP99Ms, report.afterUploadsCount) = (percentile(after, 0.5), percentile(after, 0.99), after.count)
        let done = uploads.filter { $0.problem == nil }
        report.uploadsCompleted = done.count
        report.uploadsFailed = uploads.count - done.count
        report.uploadsAllContained = done.filter(\.allContained).count
        report.uploadBytes = done.map(\.bytes).reduce(0, +)
        if report.uploadSeconds > 0 {
            report.uploadsPerSecond = Double(done.count) / report.uploadSeconds
            report.uploadMBps = Double(report.uploadBytes) / 1e6 / report.uploadSeconds
        }
        let durations = done.map(\.seconds).sorted()
        report.uploadP50Seconds = percentile(durations, 0.5)
        report.uploadMaxSeconds = durations.last ?? 0
        return report
    }

    /// `proctor submit`'s delivery; the receipt is checked under the pinned key against the
    /// bundle's SHA-256 there, and here it must also name every checkpoint sent for it.
    static func upload(_ uploader: UploadStudent, server: ServerSettings, segment: Int, clock: ContinuousClock) async -> UploadOutcome {
        let started = clock.now
        var outcome = UploadOutcome()
        do throws(ProctorError) {
            let result = try await ServerUpload.deliver(bundle: uploader.bundle, server: server, ticket: uploader.student.ticket,
                                                        segmentSize: segment, attempts: 5, onProgress: { _, _ in })
            outcome.seconds = (clock.now - started) / .seconds(1)
            outcome.bytes = Int(result.receipt.bundleSize)
            outcome.receiptCheckpoints = Int(result.receipt.checkpoints.count)
            outcome.allContained = result.receipt.checkpoints.allContained && outcome.receiptCheckpoints == uploader.checkpoints.count
            if !outcome.allContained {
                outcome.problem = "\(uploader.student.id): the receipt names \(outcome.receiptCheckpoints) checkpoints, all contained \(result.receipt.checkpoints.allContained); \(uploader.checkpoints.count) were sent"
            }
        } catch {
            outcome.problem = "\(uploader.student.id): \(error.message)"
        }
        return outcome
    }

    /// Nearest rank: the smallest value with at least `q` of them at or below it.
    static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((q * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count - 1, max(0, rank - 1))]
    }

    /// User plus system CPU seconds of a process so far (/proc/PID/stat, fields 14 and 15).
    static func processCPUSeconds(_ pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // After the parenthesised command name: field 3 (state) is index 0, so utime is 11, stime 12.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// VmHWM of a process: its peak resident set since it started.
    static func peakRSSMiB(_ pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kib = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return nil }
        return kib / 1024
    }
}

/// How many uploads have not ended yet: the live students keep sending until none is left.
final class UploadsLeft: Sendable {
    private let left: Mutex<Int>
    init(_ count: Int) { left = Mutex(count) }
    var count: Int { left.withLock { $0 } }
    func finishOne() { left.withLock { $0 -= 1 } }
}
