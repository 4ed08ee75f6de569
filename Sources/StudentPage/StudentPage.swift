import Delivery
import Foundation
import ProctorModel
import Session
import Synchronization
import WebLayer

/// The student's page beside the exam (`proctor begin`, docs/user-guide.md): the disclosure and
/// the agreement, the camera preview with "take photo" and "retake", the room scan's progress,
/// then the recording indicator, time left, warnings and "Finish and submit". It renders the
/// session's own event stream (`SessionEvent`, `LiveUpdate`) and answers its questions; the
/// terminal stays a complete interface beside it (`answer(_:terminal:)` races the two).
public final class StudentPage: Sendable {
    /// Where "Finish and submit" delivers, and how (the exam's submission address).
    public struct Submission: Sendable {
        public var destination: DeliveryDestination
        public var options: DeliveryOptions

        public init(destination: DeliveryDestination, options: DeliveryOptions = DeliveryOptions()) {
            self.destination = destination
            self.options = options
        }
    }

    private struct Shared {
        var page = StudentPageState()
        var nextQuestion = 1
        var nextWarning = 1
        /// The answer to the pending question, from whichever side gave it first.
        var answer: SessionAnswer?
        var submitRequested = false
        /// The page fetched the state after the delivery ended: it has shown the receipt.
        var outcomeFetched = false
        var bundle: URL?
        /// Why the delivery started from the page failed: `begin` exits with its code.
        var deliveryFailure: ProctorError?
    }

    public let feed: PreviewFeed
    public let control: SessionControl
    private let submission: Submission?
    private let shared: ConditionLock<Shared>
    /// Set when a delivery started from the page ends (delivered or failed).
    private let delivered = Mutex<Task<Void, Never>?>(nil)

    public init(feed: PreviewFeed = PreviewFeed(), control: SessionControl = SessionControl(), submission: Submission?) {
        self.feed = feed
        self.control = control
        self.submission = submission
        var shared = Shared()
        shared.page.canSubmit = submission != nil
        self.shared = ConditionLock(shared)
    }

    var state: StudentPageState {
        shared.withLock { shared in
            if let phase = shared.page.submission?.phase, phase == .delivered || phase == .failed { shared.outcomeFetched = true }
            return shared.page
        }
    }

    // MARK: - The session's stream

    public func show(_ event: SessionEvent) {
        shared.withLock { shared in
            switch event {
            case .disclosure(let text): shared.page.disclosure = text
            case .notice(let text):
                shared.page.notices.append(text)
                if shared.page.notices.count > 20 { shared.page.notices.removeFirst() }
            case .warning(let text):
                shared.page.warnings.append(.init(id: shared.nextWarning, text: text))
                shared.nextWarning += 1
            case .progress(let progress):
                shared.page.progress = .init(elapsed: progress.elapsed, remaining: progress.remaining,
                                             recording: progress.recording, practice: progress.practice)
            case .sealed(let outcome, let summary):
                shared.page.ended = summary
                shared.bundle = outcome.bundle
                if shared.submitRequested { shared.page.submission = .init(phase: .delivering, message: "Delivering the sealed recording…") }
            }
        }
        if case .sealed(let outcome, _) = event, shared.withLock({ $0.submitRequested }) { startDelivery(outcome.bundle) }
    }

    public func show(_ update: LiveUpdate) {
        shared.withLock { shared in
            switch update {
            case .step(let step):
                shared.page.step = step
                if step != .idPhoto, step != .facePhoto { shared.page.exposure = nil }
            case .exposure(let line, let ok):
                shared.page.exposure = line
                shared.page.exposureOK = ok
            case .roomScan(let done, let total):
                shared.page.roomScanDone = done
                shared.page.roomScanTotal = total
            }
        }
    }

    // MARK: - Questions

    /// Asks on the page and waits for its answer, or for a line from the terminal
    /// (`answerFromTerminal`) if that comes first.
    public func answer(_ question: SessionQuestion) -> SessionAnswer? {
        shared.withLock { shared in
            shared.answer = nil
            shared.page.question = .init(id: shared.nextQuestion, kind: question.kind.pageName, prompt: question.prompt)
            shared.nextQuestion += 1
        }
        return shared.withLock(when: { $0.answer != nil }) { shared in
            defer {
                shared.answer = nil
                shared.page.question = nil
            }
            if question.kind == .agreement, let answer = shared.answer { shared.page.agreedOn = answer.origin.rawValue }
            return shared.answer
        }
    }

    /// A line typed on the terminal answers whatever is asked now; with nothing asked it is dropped.
    public func answerFromTerminal(_ line: String) {
        shared.withLock { shared in
            guard shared.page.question != nil, shared.answer == nil else { return }
            shared.answer = SessionAnswer(line, from: .terminal)
        }
    }

    /// The page's answer to question `id`; false when that question is no longer asked.
    func answerFromPage(_ id: Int, _ text: String) -> Bool {
        shared.withLock { shared in
            guard shared.page.question?.id == id, shared.answer == nil else { return false }
            shared.answer = SessionAnswer(text, from: .page)
            return true
        }
    }

    var pendingQuestion: StudentPageState.Question? { shared.withLock { $0.page.question } }

    // MARK: - Finish and submit

    enum SubmitStart { case started, alreadyRequested, notOffered, notRecording }

    /// Ends the recording as `proctor submit` does; the delivery follows once it is sealed.
    func requestSubmit() -> SubmitStart {
        guard submission != nil else { return .notOffered }
        let start = shared.withLock { shared -> SubmitStart in
            guard !shared.submitRequested else { return .alreadyRequested }
            guard shared.page.step == .recording || shared.page.step == .roomScan else { return .notRecording }
            shared.submitRequested = true
            shared.page.submission = .init(phase: .sealing, message: "Ending and sealing the recording…")
            return .started
        }
        if start == .started { control.requestSubmit() }
        return start
    }

    private func startDelivery(_ bundle: URL) {
        guard let submission else { return }
        let task = Task { [self] in
            let phase: StudentPageState.Submission
            var failure: ProctorError?
            do {
                let receipt = try await BundleDelivery.deliver(bundle: bundle, to: submission.destination, options: submission.options)
                phase = .init(phase: .delivered, message: "Delivered. Keep this receipt.",
                              receipt: .init(bundle: receipt.bundle, destination: receipt.destination, sha256: receipt.sha256,
                                             size: receipt.size, location: receipt.location))
            } catch {
                failure = (error as? ProctorError) ?? ProctorError(.io, "\(error)")
                phase = .init(phase: .failed, message: "The recording is sealed but could not be delivered: \(error). "
                              + "Run `proctor submit` to try again.")
            }
            shared.withLock { shared in
                shared.page.submission = phase
                shared.deliveryFailure = failure
            }
        }
        delivered.withLock { $0 = task }
    }

    /// Waits for a delivery the page started and for the page to show its outcome, so `begin`
    /// does not exit under it; returns at once when none was asked for.
    public func waitForDelivery(showing seconds: Double = 20) async {
        guard let task = delivered.withLock({ $0 }) else { return }
        await task.value
        // The page polls its state a few times a second: give it the chance to show the receipt
        // before the process (and with it the page's server) ends.
        let deadline = ContinuousClock.now + .seconds(seconds)
        while !shared.withLock({ $0.outcomeFetched }), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// The delivery's outcome, once it ended: the receipt lines, or the failure with the error
    /// `proctor submit` would have exited with.
    public var submissionResult: (message: String, failure: ProctorError?)? {
        shared.withLock { shared in
            guard let submission = shared.page.submission, submission.phase == .delivered || submission.phase == .failed else { return nil }
            return (submission.message, shared.deliveryFailure)
        }
    }
}
