import Encode
import Foundation
import ProctorModel
import Report
import Seal
import Synchronization
import WebLayer

/// The attempts `proctor review` has open, behind one lock: bundles verified once at start,
/// browser media opened on first request per track, reviews saved with the instructor's key
/// (unlocked once, at start).
public final class ReviewLibrary: Sendable {
    private struct State: ~Copyable {
        var attempts: [ReviewAttempt]
        var media: [String: FragmentedMP4] = [:]
    }

    private let state: Mutex<State>
    private let identity: InstructorIdentity
    /// Per bundle that could not be opened: its path and why (shown, not fatal).
    public let problems: [String]

    public init(bundles: [URL], identity: InstructorIdentity, examFolders: [URL], trust: ExamTrust, spoolInside directory: URL) {
        var attempts: [ReviewAttempt] = [], problems: [String] = []
        let key = BundleKey(identity)
        // One bundle per core at a time: each is read record by record, its media spooled, so
        // memory per bundle is its timeline and photos, whatever the recording's length.
        let opened = Mutex([Result<ReviewAttempt, ProctorError>?](repeating: nil, count: bundles.count))
        DispatchQueue.concurrentPerform(iterations: bundles.count) { index in
            let result = Result { () throws(ProctorError) -> ReviewAttempt in
                try ReviewAttempt(bundles[index], key: key, examFolders: examFolders, trust: trust, spoolInside: directory)
            }
            opened.withLock { $0[index] = result }
        }
        for (url, result) in zip(bundles, opened.withLock { $0 }) {
            switch result {
            case .success(let attempt)?: attempts.append(attempt)
            case .failure(let error)?: problems.append("\(url.lastPathComponent): \(error.message)")
            case nil: break
            }
        }
        self.identity = identity
        self.problems = problems
        state = Mutex(State(attempts: attempts))
    }

    public var count: Int { state.withLock { $0.attempts.count } }

    /// The class list under `weights` (the exam's own when nil), most suspicious first.
    func summaries(weights: ReviewWeights?) -> [AttemptSummary] {
        state.withLock { state in
            let rows = state.attempts.enumerated().map { AttemptSummary($0.element, id: $0.offset, weights: weights) }
            let standings = ClassStanding.compute(rows.map(\.score))
            return zip(rows, standings).map { row, standing in
                var row = row
                row.zScore = standing.zScore
                row.percentile = standing.percentile
                return row
            }.sorted { ($0.score, $1.student) > ($1.score, $0.student) }
        }
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

    /// The browser media of one track ("camera" with the microphone, or "screen") of part 0.
    func media(_ id: Int, track: String) throws -> FragmentedMP4 {
        guard track == "camera" || track == "screen" else { throw APIError.notFound("No track \(track): camera or screen.") }
        let name = "\(id)/\(track)"
        return try state.withLock { state throws -> FragmentedMP4 in
            if let open = state.media[name] { return open }
            guard state.attempts.indices.contains(id) else { throw APIError.notFound("No attempt \(id).") }
            let attempt = state.attempts[id]
            do {
                guard let part = attempt.mediaParts.first, let source = try attempt.media(part: part) else {
                    throw APIError.notFound("Attempt \(id) recorded no media.")
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
        try state.withLock { state throws -> T in
            guard state.attempts.indices.contains(id) else { throw APIError.notFound("No attempt \(id).") }
            return try body(state.attempts[id])
        }
    }
}

