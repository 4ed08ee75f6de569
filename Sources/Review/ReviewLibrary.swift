import Encode
import Foundation
import ProctorModel
import Report
import Seal
import Synchronization
import WebLayer

/// The attempts `proctor review` shows, behind one lock. At start each bundle's summary is taken
/// from the cache (`ReviewSummaryCache`, by SHA-256), the SHA-256 coming from `BundleHashMemo`
/// when the file's identity (device, inode, size, mtime) is unchanged, so a warm start reads no
/// bundle. A bundle without both gets a first look (`ReviewSummary.firstLook`: its timeline
/// read and authenticated, its media skipped), listed as "not yet checked"; once the class is
/// listed, those bundles are verified in the background, most suspicious first, each in one
/// pass that also hashes it, and their summaries replaced and cached (memory stays that of the
/// summaries). An attempt is opened, verified and hashed in full when the reviewer first looks
/// at it; if its bytes no longer match the summary's, its summary is made again. Browser media is opened on first request per part and track; reviews are saved with the
/// instructor's key (unlocked once, at start) and bound to the SHA-256 of the bytes verified.
public final class ReviewLibrary: Sendable {
    private struct Slot {
        let url: URL
        var summary: ReviewSummary
        var attempt: ReviewAttempt?
    }

    private struct State: ~Copyable {
        var slots: [Slot]
        var media: [String: FragmentedMP4] = [:]
        /// Slots still to verify in the background, the next one last.
        var toCheck: [Int] = []
    }

    private let state: Mutex<State>
    private let identity: InstructorIdentity
    private let key: BundleKey
    private let examFolders: [URL]
    private let trust: ExamTrust
    private let directory: URL
    private let cache: ReviewSummaryCache
    private let memo: BundleHashMemo
    /// Per bundle that could not be opened: its path and why (shown, not fatal).
    public let problems: [String]
    /// Held while the background verification runs.
    private let checking = DispatchGroup()

    /// `memo`: by default kept in the cache's folder.
    public init(bundles: [URL], identity: InstructorIdentity, examFolders: [URL], trust: ExamTrust, spoolInside directory: URL,
                cache: ReviewSummaryCache = ReviewSummaryCache(directory: nil), memo: BundleHashMemo? = nil) {
        let key = BundleKey(identity)
        let memo = memo ?? BundleHashMemo(directory: cache.directory)
        // One bundle per core at a time: a first look reads a bundle's timeline and walks past
        // its media, so memory and time per bundle are those of its records' count, not its bytes.
        let opened = Mutex([Result<Slot, ProctorError>?](repeating: nil, count: bundles.count))
        DispatchQueue.concurrentPerform(iterations: bundles.count) { index in
            let url = bundles[index]
            let result = Result { () throws(ProctorError) -> Slot in
                let fileIdentity = BundleHashMemo.Identity(of: url)
                if let sha = memo.lookup(fileIdentity), let summary = cache.load(sha256: sha) {
                    return Slot(url: url, summary: summary)
                }
                // Not verified yet, so not cached: the background check replaces it.
                let summary = try ReviewSummary.firstLook(url, key: key, examFolders: examFolders, trust: trust, spoolInside: directory)
                return Slot(url: url, summary: summary)
            }
            opened.withLock { $0[index] = result }
        }
        var slots: [Slot] = [], problems: [String] = []
        for (url, result) in zip(bundles, opened.withLock { $0 }) {
            switch result {
            case .success(let slot)?: slots.append(slot)
            case .failure(let error)?: problems.append("\(url.lastPathComponent): \(error.message)")
            case nil: break
            }
        }
        self.identity = identity
        self.key = key
        self.examFolders = examFolders
        self.trust = trust
        self.directory = directory
        self.cache = cache
        self.memo = memo
        self.problems = problems
        // Most suspicious first: those are the attempts a reviewer opens first.
        let toCheck = slots.indices.filter { !slots[$0].summary.isChecked }.sorted { slots[$0].summary.examScore < slots[$1].summary.examScore }
        state = Mutex(State(slots: slots, toCheck: toCheck))
        checkInBackground()
    }

    /// Attempts listed from a first look and not verified yet.
    public var uncheckedCount: Int { state.withLock { $0.slots.filter { !$0.summary.isChecked }.count } }

    /// Returns once the background verification has gone through every bundle (tests, bench).
    public func waitUntilChecked() { checking.wait() }

    /// Verifies the first-look bundles, leaving a core to the app when there are two or more:
    /// each is read in full once (decrypted, authenticated, hashed), its summary made from what
    /// verified, cached and put in the list in place of the first look.
    private func checkInBackground() {
        let workers = state.withLock { min($0.toCheck.count, max(1, ProcessInfo.processInfo.activeProcessorCount - 1)) }
        guard workers > 0 else { return }
        checking.enter()
        DispatchQueue.global(qos: .utility).async { [self] in
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while let id = state.withLock({ $0.toCheck.popLast() }) { check(id) }
            }
            memo.save()
            checking.leave()
        }
    }

    private func check(_ id: Int) {
        let (url, done) = state.withLock { ($0.slots[id].url, $0.slots[id].attempt != nil || $0.slots[id].summary.isChecked) }
        guard !done else { return }
        let fileIdentity = BundleHashMemo.Identity(of: url)
        let summary: ReviewSummary
        do {
            let attempt = try ReviewAttempt(url, key: key, examFolders: examFolders, trust: trust, spoolInside: directory)
            memo.remember(attempt.sha256, for: url, identityBefore: fileIdentity)
            summary = ReviewSummary(attempt)
            cache.store(summary)
        } catch {
            // Unreadable now (removed, permissions): the row says so instead of "not yet checked".
            state.withLock { $0.slots[id].summary.integrity = "unreadable: \(error.message)" }
            return
        }
        // Opened meanwhile: opening verified it and made its summary already.
        state.withLock { state in
            if state.slots[id].attempt == nil { state.slots[id].summary = summary }
        }
    }

    public var count: Int { state.withLock { $0.slots.count } }

    /// How many attempts are open (verified and readable, after the reviewer looked at them), the
    /// rest being summaries only.
    public var openCount: Int { state.withLock { $0.slots.filter { $0.attempt != nil }.count } }

    /// The class list under `weights` (each attempt's own when nil), most suspicious first.
    func summaries(weights: ReviewWeights?) -> [AttemptSummary] {
        let trust = self.trust
        let slots = state.withLock { state in state.slots.map { ($0.url, $0.summary, $0.attempt?.review) } }
        let rows = slots.enumerated().map { id, slot in
            let (url, summary, open) = slot
            let file = ReviewFile.url(forBundle: url)
            // A review is bound to the bundle's SHA-256, unknown until the bundle is verified:
            // until then its decisions are not used, and the row says why.
            guard summary.isChecked || open != nil else {
                return AttemptSummary(summary, review: nil, reviewPending: FileManager.default.fileExists(atPath: file.path), id: id, weights: weights)
            }
            let review = open ?? ReviewFile.read(file, bundleSHA256: summary.sha256, sessionId: summary.sessionId, trust: trust)
            return AttemptSummary(summary, review: review, id: id, weights: weights)
        }
        let standings = ClassStanding.compute(rows.map(\.score))
        return zip(rows, standings).map { row, standing in
            var row = row
            row.zScore = standing.zScore
            row.percentile = standing.percentile
            return row
        }.sorted { ($0.score, $1.student) > ($1.score, $0.student) }
    }

    func detail(_ id: Int) throws -> AttemptDetail {
        try withAttempt(id) { AttemptDetail($0, id: id) }
    }

    func photo(_ id: Int, kind: String) throws -> [UInt8]? {
        try withAttempt(id) { kind == "id" ? $0.model.idPhoto : kind == "face" ? $0.model.facePhoto : nil }
    }

    /// The JPEG evidence frame of flag `index` from `source` ("camera" or "screen"), nil when none.
    func evidence(_ id: Int, flag index: Int, source: String) throws -> [UInt8]? {
        try withAttempt(id) { $0.evidenceFrames(flag: index).first { $0.source == source }?.jpeg }
    }

    /// The browser media of one track ("camera" with the microphone, or "screen") of one bundle
    /// part (the first part with media when `part` is nil). Each part is its own recording, on
    /// the session clock: its segments carry their own media times, so the page puts every part
    /// on one timeline with the gaps between them.
    func media(_ id: Int, track: String, part wanted: Int? = nil) throws -> FragmentedMP4 {
        guard track == "camera" || track == "screen" else { throw APIError.notFound("No track \(track): camera or screen.") }
        return try state.withLock { state throws -> FragmentedMP4 in
            let attempt = try self.open(id, in: &state)
            guard let part = wanted ?? attempt.mediaParts.first else { throw APIError.notFound("Attempt \(id) recorded no media.") }
            let name = "\(id)/\(track)/\(part)"
            if let open = state.media[name] { return open }
            do {
                guard attempt.mediaParts.contains(part), let source = try attempt.media(part: part) else {
                    throw APIError.notFound("Part \(part) of attempt \(id) recorded no media.")
                }
                let media = try FragmentedMP4(source, video: track, withAudio: track == "camera")
                state.media[name] = media
                return media
            } catch let error as APIError {
                throw error
            } catch {
                throw APIError.notFound("attempt \(id) has no playable \(track) video: \((error as? ProctorError)?.message ?? "\(error)")")
            }
        }
    }

    func saveReview(_ id: Int, _ body: ReviewBody) throws -> AttemptDetail {
        let identity = self.identity
        return try withAttempt(id) { attempt throws -> AttemptDetail in
            let flags = body.flags.map { ReviewDocument.FlagReview(kind: $0.kind, start: $0.start, disposition: $0.disposition, note: $0.note) }
            let known = Set(attempt.model.flagged.map { "\($0.event.kind)@\(ReviewDocument.FlagReview.milliseconds($0.event.start))" })
            for flag in flags where !known.contains("\(flag.kind)@\(flag.startMilliseconds)") {
                throw APIError.badRequest("unknown_flag", "attempt \(id) has no \(flag.kind) flag starting at \(Double(flag.startMilliseconds) / 1000) s")
            }
            if let weights = body.weights, let bad = weights.kinds.first(where: { !$0.value.isFinite || $0.value < 0 }) {
                throw APIError.badRequest("bad_weight", "the weight of \(bad.key) must be 0 or more")
            }
            do {
                try attempt.save(attempt: .init(reviewed: body.reviewed, note: body.note), flags: flags,
                                 weights: body.weights.map { ReviewWeights(preset: $0.preset, kinds: $0.kinds) } ?? ReviewWeights(),
                                 identity: identity)
            } catch {
                throw APIError(.internalServerError, code: "not_saved", "The review could not be saved: \((error as? ProctorError)?.message ?? "\(error)")")
            }
            return AttemptDetail(attempt, id: id)
        }
    }

    private func withAttempt<T>(_ id: Int, _ body: (ReviewAttempt) throws -> T) throws -> T {
        try state.withLock { state throws -> T in try body(try open(id, in: &state)) }
    }

    /// The attempt, opened (verified and hashed) now if only its summary was loaded. Its bytes
    /// may have changed since the memo's SHA-256 picked the summary: then the summary is made
    /// again from what was verified.
    private func open(_ id: Int, in state: inout State) throws -> ReviewAttempt {
        guard state.slots.indices.contains(id) else { throw APIError.notFound("No attempt \(id).") }
        if let attempt = state.slots[id].attempt { return attempt }
        let slot = state.slots[id]
        do {
            let fileIdentity = BundleHashMemo.Identity(of: slot.url)
            let attempt = try ReviewAttempt(slot.url, key: key, examFolders: examFolders, trust: trust, spoolInside: directory)
            memo.remember(attempt.sha256, for: slot.url, identityBefore: fileIdentity)
            memo.save()
            if attempt.sha256 != slot.summary.sha256 {
                state.slots[id].summary = ReviewSummary(attempt)
                cache.store(state.slots[id].summary)
            }
            state.slots[id].attempt = attempt
            return attempt
        } catch {
            throw APIError(.internalServerError, code: "unreadable", "\(slot.url.lastPathComponent) could not be opened: \(error.message)")
        }
    }
}
