import Attest
import Delivery
import Exam
import Foundation
import ProctorModel
import Seal
import Synchronization

/// Sends a live checkpoint of the bundle to the exam's collection server every
/// `checkpoint_seconds` while recording (docs/server.md, "Checkpoints"). The recording never
/// waits for it: it runs in its own task, takes the recording's lock only to sign, and keeps
/// every checkpoint it made in `BUNDLE.checkpoints` beside the bundle (`u32 length || signed`,
/// appended and synced), which is the queue: memory holds one entry at a time however long the
/// network is gone, and what was not accepted is sent, in order, when it returns.
final class CheckpointSender: Sendable {
    private struct State {
        var follower: ChainFollower?
        var nextSequence: UInt64 = 0
        var keyedParts: Set<UInt32> = []
        var lastOffset = 0
        /// Byte offset in the queue file of the first checkpoint not yet accepted.
        var sentOffset = 0
        var refused = 0
        /// Made but not yet accepted by the server.
        var waiting = 0
        /// The last send found no server (refused, reset, timed out); cleared by the next delivery.
        var unreachable = false
    }

    /// Checkpoints waiting on this computer because the last try found no server, or nil while
    /// the server is reachable: what the student's "network down" warning says.
    var waitingOffline: Int? {
        state.withLock { $0.unreachable ? $0.waiting : nil }
    }

    private let state = Mutex(State())
    private let attemptId: String
    private let ticketDigest: [UInt8]
    private let queue: URL
    private let bundle: URL
    private let sealed: SealedRecording
    private let client: ServerClient
    private let interval: Double
    private let warn: @Sendable (String) -> Void
    private let loop = Mutex<Task<Void, Never>?>(nil)

    init(ticket: AttemptTicket, signedTicket: [UInt8], server: ServerSettings, bundle: URL, sealed: SealedRecording,
         warn: @escaping @Sendable (String) -> Void) throws(ProctorError) {
        guard let base = URL(string: server.url) else { throw ProctorError(.badData, "the exam's server URL is not a URL") }
        attemptId = ticket.attemptId
        ticketDigest = AttemptTicket.digest(of: signedTicket)
        self.bundle = bundle
        queue = bundle.appendingPathExtension("checkpoints")
        self.sealed = sealed
        client = ServerClient(base: base, idleTimeout: 5)
        interval = server.checkpointSeconds
        self.warn = warn
        // A resumed session continues the sequence; the server answers resends of held ones as duplicates.
        let held = Self.entries(in: queue)
        state.withLock {
            $0.nextSequence = UInt64(held.count)
            $0.keyedParts = Set(held.compactMap { try? Checkpoint.decode($0.signed) }.filter { $0.partSigningKey != nil }.map(\.part))
        }
    }

    func start() {
        let task = Task { [self] in
            while !Task.isCancelled {
                await tick()
                try? await Task.sleep(for: .seconds(interval))
            }
        }
        loop.withLock { $0 = task }
    }

    /// A last checkpoint while the part key still exists, a short try to send what is queued,
    /// then the loop ends. What did not go out stays in the queue file.
    func stop() async {
        // The loop's tick in progress ends first, so two ticks never interleave their sends.
        let running = loop.withLock { $0.take() }
        running?.cancel()
        await running?.value
        await tick()
        client.close()
    }

    private func tick() async {
        do {
            try makeCheckpoint()
        } catch {
            warn("checkpoints stopped: \(error.message)")
        }
        await sendQueued()
    }

    private func makeCheckpoint() throws(ProctorError) {
        try state.withLock { (state: inout State) throws(ProctorError) in
            // Reads only the bytes sealed since the last tick, from the page cache.
            if state.follower == nil { state.follower = try ChainFollower(url: bundle) }
            guard let point = try state.follower?.advance(), point.offset > state.lastOffset else { return }
            let carriesKey = !state.keyedParts.contains(point.part)
            let checkpoint = Checkpoint(point, attemptId: attemptId, ticketDigest: ticketDigest, sequence: state.nextSequence,
                                        mediaTimeMicros: UInt64(max(0, sealed.mediaEnd) * 1_000_000), carriesPartKey: carriesKey)
            let body = checkpoint.body
            guard let signature = sealed.signWithPartKey(Array(Checkpoint.signatureContext.utf8) + body) else { return }
            try Self.append(body + signature, to: queue)
            state.nextSequence += 1
            state.waiting += 1
            state.lastOffset = point.offset
            if carriesKey { state.keyedParts.insert(point.part) }
        }
    }

    private func sendQueued() async {
        let start = state.withLock { $0.sentOffset }
        for entry in Self.entries(in: queue, from: start) {
            do {
                if case .refused(let error) = try await client.send(checkpoint: entry.signed, attemptId: attemptId) {
                    // Never acceptable (a fork, a bug): skipping keeps the later ones flowing.
                    warn("the exam server refused a checkpoint: \(error.message)")
                    state.withLock { $0.refused += 1 }
                }
                state.withLock {
                    $0.sentOffset = entry.end
                    $0.waiting = max(0, $0.waiting - 1)
                    $0.unreachable = false
                }
            } catch {
                // The network is gone: the rest waits in the queue file.
                state.withLock { $0.unreachable = true }
                return
            }
        }
    }

    // MARK: - The queue file

    struct Entry { let signed: [UInt8]; let end: Int }

    /// The entries from byte `offset` on: only what was not yet accepted is read, so a tick
    /// costs the unsent checkpoints, not the whole exam's queue.
    static func entries(in url: URL, from offset: Int = 0) -> [Entry] {
        guard let handle = FileHandle(forReadingAtPath: url.path) else { return [] }
        defer { try? handle.close() }
        guard (try? handle.seek(toOffset: UInt64(offset))) != nil, let data = try? handle.readToEnd() else { return [] }
        let bytes = [UInt8](data)
        var entries: [Entry] = []
        var position = 0
        while position + 4 <= bytes.count {
            let length = bytes[position..<position + 4].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            guard length > 0, position + 4 + length <= bytes.count else { break }  // a torn last entry
            entries.append(Entry(signed: Array(bytes[position + 4..<position + 4 + length]), end: offset + position + 4 + length))
            position += 4 + length
        }
        return entries
    }

    static func append(_ signed: [UInt8], to url: URL) throws(ProctorError) {
        let file = try FileDescriptor(opening: url.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, mode: 0o600, "open \(url.path)")
        var frame = withUnsafeBytes(of: UInt32(signed.count).littleEndian) { Array($0) }
        frame += signed
        var failure: ProctorError?
        frame.withUnsafeBytes { raw in
            do throws(ProctorError) { try file.write(raw, "append to \(url.path)") } catch { failure = error }
        }
        if let failure { throw failure }
        try file.sync("sync \(url.path)")
    }
}

extension ExamSession {
    /// Started only for a recording under a ticket; nil otherwise.
    func startCheckpoints(ticket signed: [UInt8]?, bundle: URL, sealed: SealedRecording) -> CheckpointSender? {
        guard let signed, let server = settings.server, let ticket = try? AttemptTicket.open(signed, publicKey: server.key.publicKey) else { return nil }
        let observer = self.observer
        guard let sender = try? CheckpointSender(ticket: ticket, signedTicket: signed, server: server, bundle: bundle, sealed: sealed,
                                                 warn: { observer.session(.warning($0)) }) else { return nil }
        sender.start()
        return sender
    }
}
