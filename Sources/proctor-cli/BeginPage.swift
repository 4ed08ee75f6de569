import Delivery
import Foundation
import ProctorModel
import Session
import StudentPage
import Synchronization
import WebLayer

/// `proctor begin` with its student page: serves the page for the length of the session, prints
/// its address and opens it in the desktop's browser, and shows every event on both the
/// terminal and the page. The terminal stays a complete interface: a question is answered by
/// whichever side answers first.
enum BeginPage {
    static func run(_ page: StudentPage, console: BeginConsole, openBrowser: Bool, interactive: Bool,
                    session: @Sendable (any SessionObserver) async throws -> Void) async throws {
        let (ready, continuation) = AsyncStream.makeStream(of: URL.self)
        let server = Task { try await page.app().run { url in continuation.yield(url) } }
        defer { server.cancel() }
        var urls = ready.makeAsyncIterator()
        guard let url = await urls.next() else {
            _ = await server.result
            return
        }
        // Announced when the session first speaks: after the devices opened, so a missing camera
        // is still the one line a failed `begin` prints.
        let observer = PageObserver(console: console, page: page, interactive: interactive) {
            console.session(.notice("student page: \(url.absoluteString)"))
            if openBrowser, BrowserOpener.hasDisplay { BrowserOpener.open(url) }
        }
        do {
            try await session(observer)
        } catch {
            server.cancel()
            throw error
        }
        // "Finish and submit" delivers after the seal: stay until the page shows the receipt.
        await page.waitForDelivery()
        server.cancel()
        _ = await server.result
        guard let result = page.submissionResult else { return }
        // A failed delivery ends `begin` as it would end `proctor submit`: with its exit code, so
        // a script (or the student's terminal) sees that the exam is sealed but not delivered.
        guard let failure = result.failure else { return console.session(.notice(result.message)) }
        throw ProctorError(failure.code, "the recording is sealed but could not be delivered: \(failure.message); "
                           + "run `proctor submit` to try again", detail: failure.detail, underlying: failure.underlying)
    }
}

/// The terminal and the page, as one observer.
struct PageObserver: SessionObserver {
    let console: BeginConsole
    let page: StudentPage
    /// A person is there (no `--accept`): without a terminal, the page's answer is waited for.
    let interactive: Bool
    private let reader = TerminalLines()
    private let announce: Once

    init(console: BeginConsole, page: StudentPage, interactive: Bool, announce: @escaping @Sendable () -> Void) {
        self.console = console
        self.page = page
        self.interactive = interactive
        self.announce = Once(announce)
    }

    func session(_ event: SessionEvent) {
        announce.run()
        console.session(event)
        page.show(event)
    }

    func live(_ update: LiveUpdate) {
        announce.run()
        console.live(update)
        page.show(update)
    }

    func answer(_ question: SessionQuestion) -> String? { answerWithOrigin(question)?.text }

    func answerWithOrigin(_ question: SessionQuestion) -> SessionAnswer? {
        if console.inputIsTerminal {
            console.prompt(question)
            reader.start { [page] line in page.answerFromTerminal(line) }
            return page.answer(question)
        }
        // No terminal to type on: the page is the only place a person can answer. A script
        // (`--accept`) is not waited for; Ctrl-C's question ends the exam, as before.
        let waits = switch question.kind {
        case .agreement: true
        case .photo: interactive
        case .endEarly: false
        }
        guard waits else { return nil }
        console.session(.notice("answer on the student page: \(question.prompt)"))
        return page.answer(question)
    }
}

/// One thread reading the terminal's lines for the whole session: a question answered on the
/// page leaves a read pending, and the next line typed goes to the next question, not to a
/// second reader racing the first.
final class TerminalLines: Sendable {
    private let started = Mutex(false)

    func start(_ onLine: @escaping @Sendable (String) -> Void) {
        guard started.withLock({ started in defer { started = true }; return !started }) else { return }
        let thread = Thread {
            while let line = readLine(strippingNewline: true) { onLine(line) }
        }
        thread.name = "proctor.terminal"
        thread.start()
    }
}

/// Runs its closure the first time `run` is called, from whichever thread.
final class Once: Sendable {
    private let action: Mutex<(@Sendable () -> Void)?>

    init(_ action: @escaping @Sendable () -> Void) { self.action = Mutex(action) }

    func run() { action.withLock { action in defer { action = nil }; return action }?() }
}
