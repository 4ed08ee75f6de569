import Foundation
import HTTPTypes
import Hummingbird
import Session
import WebLayer

/// The page's HTTP surface, behind `LocalWebApp`'s token, Host/Origin guard and CSP:
///
/// - `GET /`, `/student.js`, `/student.css`: the page itself (embedded).
/// - `GET /api/state`: everything the page shows (`StudentPageState`).
/// - `GET /api/preview?after=N`: the next camera frame newer than N as a JPEG (a long poll of up
///   to 10 s; `X-Preview-Sequence` names it; 204 when none came, 410 once the exam ended).
/// - `POST /api/answer` `{"id", "text"}`: answers the pending question (409 when it is no longer asked).
/// - `POST /api/photo/take` `{"sequence"}`: holds the frame the page shows; `POST /api/photo/retake`: back to live.
/// - `POST /api/submit` `{"confirm": true}`: "Finish and submit" (202; the state then follows it).
extension StudentPage {
    /// Request bodies are a few bytes of JSON.
    static let bodyLimit = 4096
    static let previewWait = 10.0

    package func app(port: Int = 0) -> LocalWebApp {
        LocalWebApp(name: "student", port: port) { [self] router in
            StudentPageAssets.files.register(on: router)
            router.get("/api/state") { _, _ in try JSONBody.response(self.state) }
            router.get("/api/preview") { request, _ in try await self.preview(request) }
            router.post("/api/answer") { request, _ in try await self.answer(request) }
            router.post("/api/photo/take") { request, _ in try await self.take(request) }
            router.post("/api/photo/retake") { _, _ in
                self.feed.release()
                return try JSONBody.response(["live": true])
            }
            router.post("/api/submit") { request, _ in try await self.submit(request) }
        }
    }

    private func preview(_ request: Request) async throws -> Response {
        let after = try request.uri.queryParameters["after"].map { value -> Int in
            guard let number = Int(value), number >= 0 else { throw APIError.badRequest("bad_sequence", "`after` must be a frame number (0 or more).") }
            return number
        } ?? 0
        guard !feed.isStopped else { throw APIError(.gone, code: "preview_ended", "The exam has ended; the camera preview is off.") }
        guard let frame = await feed.frame(after: after, timeout: Self.previewWait) else {
            if feed.isStopped { throw APIError(.gone, code: "preview_ended", "The exam has ended; the camera preview is off.") }
            return Response(status: .noContent)
        }
        let jpeg: [UInt8]
        do { jpeg = try frame.jpeg() } catch { throw APIError(.internalServerError, code: "preview_failed", "The camera picture could not be encoded.") }
        var headers = HTTPFields()
        headers[.contentType] = "image/jpeg"
        headers[HTTPField.Name("X-Preview-Sequence")!] = String(frame.sequence)
        var body = ByteBuffer()
        body.writeBytes(jpeg)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    private struct AnswerBody: Decodable { let id: Int; let text: String }

    private func answer(_ request: Request) async throws -> Response {
        let body = try await JSONBody.decode(AnswerBody.self, from: request, limit: Self.bodyLimit)
        guard answerFromPage(body.id, body.text) else {
            throw APIError.conflict("question_not_pending", "That question is no longer asked (it was answered, perhaps on the terminal).")
        }
        return try JSONBody.response(["answered": body.id])
    }

    private struct TakeBody: Decodable { let sequence: Int }

    private func take(_ request: Request) async throws -> Response {
        let body = try await JSONBody.decode(TakeBody.self, from: request, limit: Self.bodyLimit)
        guard let question = pendingQuestion, question.kind == "id" || question.kind == "face" else {
            throw APIError.conflict("no_photo_step", "No photo is being taken right now.")
        }
        guard feed.hold(body.sequence) != nil else {
            throw APIError.conflict("frame_gone", "That camera picture is no longer available; take the photo again.")
        }
        return try JSONBody.response(["held": body.sequence])
    }

    private struct SubmitBody: Decodable { let confirm: Bool }

    private func submit(_ request: Request) async throws -> Response {
        let body = try await JSONBody.decode(SubmitBody.self, from: request, limit: Self.bodyLimit)
        guard body.confirm else { throw APIError.badRequest("not_confirmed", "Confirm that you want to finish and submit the exam.") }
        switch requestSubmit() {
        case .started, .alreadyRequested: return try JSONBody.response(["submitting": true], status: .accepted)
        case .notOffered: throw APIError.conflict("no_submission_address", "This exam names no submission address; run `proctor submit --to …` after the exam.")
        case .notRecording: throw APIError.conflict("not_recording", "The exam is not recording, so there is nothing to submit yet.")
        }
    }
}
