import Foundation
import ProctorModel
@testable import Session
import TestTools
import XCTest
@testable import StudentPage
@testable import WebLayer

/// The student page's API on a real loopback socket: the token guard, the state, answers that
/// race the terminal, the preview's frames and its end, and the errors each bad request gets.
final class StudentPageRoutesTests: XCTestCase {
    private func withPage<T: Sendable>(_ page: StudentPage, _ body: @Sendable (_ http: RawHTTP, _ cookie: String) async throws -> T) async throws -> T {
        let (ready, continuation) = AsyncStream.makeStream(of: URL.self)
        let server = Task { try await page.app().run { url in continuation.yield(url) } }
        defer { server.cancel() }
        var iterator = ready.makeAsyncIterator()
        guard let url = await iterator.next(), let port = url.port, let token = url.query?.split(separator: "=").last else {
            throw CancellationError()
        }
        let result = try await body(RawHTTP(port: port), "proctor_token_\(port)=\(token)")
        server.cancel()
        _ = await server.result
        return result
    }

    private static func json(_ text: String) -> Data { Data(text.utf8) }

    func testWithoutTheTokenNothingIsServed() async throws {
        try await withPage(StudentPage(submission: nil)) { http, _ in
            for path in ["/", "/api/state", "/api/preview", "/student.js"] {
                XCTAssertEqual(try http.send("GET", path).status, 403, path)
            }
        }
    }

    func testThePageAndItsStateUnderTheStrictPolicy() async throws {
        let page = StudentPage(submission: nil)
        page.show(.disclosure("What is recorded: the camera."))
        page.show(.warning("Your face is not visible — too dark: turn on a light in front of you."))
        try await withPage(page) { http, cookie in
            let index = try http.send("GET", "/", headers: ["Cookie": cookie])
            XCTAssertEqual(index.status, 200)
            XCTAssertTrue(index.text.contains("<script src=\"/student.js\" defer></script>"))
            XCTAssertFalse(index.text.contains("<script>"), "no inline script")
            XCTAssertTrue(index.header("content-security-policy")?.contains("default-src 'none'") == true)
            let state = try http.send("GET", "/api/state", headers: ["Cookie": cookie])
            let decoded = try JSONDecoder().decode(StudentPageState.self, from: state.body)
            XCTAssertEqual(decoded.disclosure, "What is recorded: the camera.")
            XCTAssertEqual(decoded.warnings.map(\.text), ["Your face is not visible — too dark: turn on a light in front of you."])
            XCTAssertFalse(decoded.canSubmit)
        }
    }

    func testAnAnswerFromThePageAnswersOnceAndALateOneIs409() async throws {
        let page = StudentPage(submission: nil)
        let asked = Task.detached { page.answer(SessionQuestion(kind: .agreement, prompt: "Type 'yes'")) }
        try await withPage(page) { http, cookie in
            XCTAssertTrue(waitUntil(timeout: 5) { page.pendingQuestion != nil })
            let id = try XCTUnwrap(page.pendingQuestion?.id)
            let origin = "http://127.0.0.1:\(http.port)"
            let headers = ["Cookie": cookie, "Content-Type": "application/json", "Origin": origin]
            XCTAssertEqual(try http.send("POST", "/api/answer", headers: headers, body: Self.json("{\"id\": \(id), \"text\": \"yes\"}")).status, 200)
            let answer = await asked.value
            XCTAssertEqual(answer, SessionAnswer("yes", from: .page))
            XCTAssertEqual(page.state.agreedOn, "page")
            let late = try http.send("POST", "/api/answer", headers: headers, body: Self.json("{\"id\": \(id), \"text\": \"yes\"}"))
            XCTAssertEqual(late.status, 409)
            XCTAssertEqual(late.errorCode, "question_not_pending")
            let malformed = try http.send("POST", "/api/answer", headers: headers, body: Self.json("{\"id\": \"one\"}"))
            XCTAssertEqual(malformed.status, 400)
            XCTAssertEqual(try http.send("POST", "/api/photo/take", headers: headers, body: Self.json("{\"sequence\": 1}")).errorCode, "no_photo_step")
            XCTAssertEqual(try http.send("POST", "/api/submit", headers: headers, body: Self.json("{\"confirm\": true}")).errorCode,
                           "no_submission_address")
        }
    }

    func testATerminalLineAnswersWhenThePageDoesNot() async throws {
        let page = StudentPage(submission: nil)
        let asked = Task.detached { page.answer(SessionQuestion(kind: .photo(kind: "id"), prompt: "Press Enter")) }
        XCTAssertTrue(waitUntil(timeout: 5) { page.pendingQuestion != nil })
        page.answerFromTerminal("")
        let answer = await asked.value
        XCTAssertEqual(answer?.origin, .terminal)
        XCTAssertNil(page.pendingQuestion)
        page.answerFromTerminal("dropped: nothing is asked")
    }

    func testThePreviewServesTheFrameAsJPEGAndEndsWithTheExam() async throws {
        let page = StudentPage(submission: nil)
        page.feed.publish(AnalysisImage(width: 64, height: 48, format: .gray8, pixels: .init(repeating: 90, count: 64 * 48), time: 0))
        try await withPage(page) { http, cookie in
            let frame = try http.send("GET", "/api/preview?after=0", headers: ["Cookie": cookie])
            XCTAssertEqual(frame.status, 200)
            XCTAssertEqual(frame.header("content-type"), "image/jpeg")
            XCTAssertEqual(frame.header("x-preview-sequence"), "1")
            XCTAssertEqual(Array(frame.body.prefix(2)), [0xFF, 0xD8])
            XCTAssertEqual(try http.send("GET", "/api/preview?after=-3", headers: ["Cookie": cookie]).errorCode, "bad_sequence")
            page.feed.stop()
            let ended = try http.send("GET", "/api/preview?after=0", headers: ["Cookie": cookie])
            XCTAssertEqual(ended.status, 410)
            XCTAssertEqual(ended.errorCode, "preview_ended")
        }
    }
}
