import Attest
import Delivery
import Exam
import Foundation
import ProctorModel
import Seal

/// Signs checkpoints of one bundle being written, as `CheckpointSender` does for a recording:
/// the follower's latest record boundary, sequence 0, 1, 2, …, the part key carried by the first.
final class BenchCheckpointMaker {
    private let follower: ChainFollower
    private let attemptId: String
    private let ticketDigest: [UInt8]
    private var sequence: UInt64 = 0
    private var lastOffset = 0

    init(bundle: URL, attemptId: String, signedTicket: [UInt8]) throws(ProctorError) {
        follower = try ChainFollower(url: bundle)
        self.attemptId = attemptId
        ticketDigest = AttemptTicket.digest(of: signedTicket)
    }

    /// nil when nothing was sealed since the last one.
    func make(_ writer: BundleWriter, mediaTime: Double) throws(ProctorError) -> [UInt8]? {
        guard let point = try follower.advance(), point.offset > lastOffset else { return nil }
        let checkpoint = Checkpoint(point, attemptId: attemptId, ticketDigest: ticketDigest, sequence: sequence,
                                    mediaTimeMicros: UInt64(max(0, mediaTime) * 1_000_000), carriesPartKey: sequence == 0)
        let signed = try checkpoint.signed(byPartOf: writer)
        sequence += 1
        lastOffset = point.offset
        return signed
    }
}

struct LatencySample: Sendable {
    let at: Double
    let ms: Double
}

/// One student of the bench: a ticket obtained with their enrolment code.
struct BenchStudent: Sendable {
    let id: String
    let signedTicket: [UInt8]
    let ticket: AttemptTicket
}

/// A student who keeps recording through the run: a small live bundle under their ticket, one
/// quarter-second media record and one checkpoint per interval, sent through `ServerClient` the
/// way `CheckpointSender` sends them (a send that fails stays queued for the next tick).
struct LiveStudentRun: Sendable {
    struct Outcome: Sendable {
        var made = 0, accepted = 0, refused = 0, failedSends = 0
        /// Each request's start (seconds after the run's start) and its latency.
        var latencies: [LatencySample] = []
        /// From each checkpoint's signing to the answer that accepted it, retries included.
        var deliveries: [Double] = []
        var firstProblem: String?
    }

    let student: BenchStudent
    let exam: ExamFile
    let base: URL
    let bundle: URL
    let interval: Double

    /// Ticks at `start + offset + k * interval` until `keepGoing` says stop, then a last flush.
    func run(start: ContinuousClock.Instant, offset: Double, keepGoing: @Sendable () -> Bool) async -> Outcome {
        var outcome = Outcome()
        let writer: BundleWriter
        let maker: BenchCheckpointMaker
        do throws(ProctorError) {
            var header = try BundleHeader(examId: exam.settings.id, examFileSHA256: exam.sha256, studentId: student.id,
                                          sessionId: UUID().uuidString.lowercased(), startTime: Date(),
                                          recipients: exam.settings.recipients.map(BundleRecipient.init))
            header.attemptTicket = student.signedTicket
            writer = try BundleWriter(creating: bundle, header: header)
            maker = try BenchCheckpointMaker(bundle: bundle, attemptId: student.ticket.attemptId, signedTicket: student.signedTicket)
        } catch {
            outcome.firstProblem = "cannot start the live bundle: \(error.message)"
            return outcome
        }
        let client = ServerClient(base: base, idleTimeout: 5)
        defer { client.close() }
        // About 4 KB of media per tick: the checkpoint's cost to the server does not depend on it.
        // Each tick signs what the bundle's writer thread has written so far, then seals the
        // next record; the first is forced to disk so the first tick has a boundary to sign.
        let media = [UInt8](repeating: 0x5a, count: 4096)
        func seal(_ mediaTime: Double) {
            let payload = media.withUnsafeBytes { RecordingRecords.media($0, mediaEnd: mediaTime) }
            do throws(ProctorError) { try writer.append(.media, payload) } catch {
                outcome.firstProblem = outcome.firstProblem ?? "cannot seal: \(error.message)"
            }
        }
        seal(interval)
        try? writer.sync()
        var pending: [(signed: [UInt8], made: ContinuousClock.Instant)] = []
        var tick = 0
        let clock = ContinuousClock()
        while keepGoing() {
            let due = start + .seconds(offset + Double(tick) * interval)
            try? await Task.sleep(until: due, clock: clock)
            do throws(ProctorError) {
                if let signed = try maker.make(writer, mediaTime: Double(tick + 1) * interval) {
                    pending.append((signed, ContinuousClock.now))
                    outcome.made += 1
                }
            } catch {
                outcome.firstProblem = outcome.firstProblem ?? "cannot sign: \(error.message)"
            }
            await send(&pending, client: client, since: start, outcome: &outcome)
            tick += 1
            seal(Double(tick + 1) * interval)
        }
        // What a failed tick left queued gets a few more tries, as the sender's stop does.
        for _ in 0..<5 where !pending.isEmpty {
            try? await Task.sleep(for: .seconds(1))
            await send(&pending, client: client, since: start, outcome: &outcome)
        }
        return outcome
    }

    private func send(_ pending: inout [(signed: [UInt8], made: ContinuousClock.Instant)], client: ServerClient, since start: ContinuousClock.Instant, outcome: inout Outcome) async {
        let clock = ContinuousClock()
        while let (signed, made) = pending.first {
            let started = clock.now
            do throws(ProctorError) {
                let answer = try await client.send(checkpoint: signed, attemptId: student.ticket.attemptId)
                outcome.latencies.append(LatencySample(at: (started - start) / .seconds(1), ms: (clock.now - started) / .milliseconds(1)))
                if case .refused(let error) = answer {
                    outcome.refused += 1
                    outcome.firstProblem = outcome.firstProblem ?? error.message
                } else {
                    outcome.accepted += 1
                    outcome.deliveries.append((clock.now - made) / .milliseconds(1))
                }
                pending.removeFirst()
            } catch {
                outcome.failedSends += 1
                outcome.firstProblem = outcome.firstProblem ?? error.message
                return
            }
        }
    }
}

/// A student who has finished: a ~50 MB sealed bundle under their ticket, written in the setup
/// with a checkpoint every interval of media time (all sent before the run), uploaded in the
/// run by `ServerUpload.deliver`, the code path of `proctor submit`.
struct UploadStudent: Sendable {
    let student: BenchStudent
    let bundle: URL
    let checkpoints: [[UInt8]]

    static func write(_ student: BenchStudent, exam: ExamFile, media: URL, mediaSeconds: Double, interval: Double,
                      to bundle: URL) throws(ProctorError) -> UploadStudent {
        let maker = BenchCheckpointMakerBox(bundle: bundle, student: student)
        var session = SyntheticSession(exam: exam, student: student.id, mediaSeconds: mediaSeconds, eventsPerHour: 30)
        session.ticket = student.signedTicket
        var due = interval
        session.afterMedia = { (writer: BundleWriter, mediaEnd: Double) throws(ProctorError) in
            guard mediaEnd >= due else { return }
            due += interval
            try maker.make(writer, mediaTime: mediaEnd)
        }
        // The follower opens the file once the writer has created it: at the first media record.
        _ = try session.write(media: media, to: bundle)
        return UploadStudent(student: student, bundle: bundle, checkpoints: maker.made)
    }
}

/// The maker for a bundle the writer has not created yet (SyntheticSession creates it).
private final class BenchCheckpointMakerBox {
    private let bundle: URL
    private let student: BenchStudent
    private var maker: BenchCheckpointMaker?
    private(set) var made: [[UInt8]] = []

    init(bundle: URL, student: BenchStudent) {
        self.bundle = bundle
        self.student = student
    }

    func make(_ writer: BundleWriter, mediaTime: Double) throws(ProctorError) {
        if maker == nil {
            maker = try BenchCheckpointMaker(bundle: bundle, attemptId: student.ticket.attemptId, signedTicket: student.signedTicket)
        }
        if let signed = try maker?.make(writer, mediaTime: mediaTime) { made.append(signed) }
    }
}
