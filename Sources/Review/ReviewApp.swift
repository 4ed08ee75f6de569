import Encode
import Foundation
import HTTPTypes
import Hummingbird
import ProctorModel
import Report
import WebLayer

/// `proctor review`'s web app on WebLayer's `LocalWebApp` (loopback, token, Host/Origin guard,
/// strict CSP): the class view, the attempt view, and the JSON and media API they call
/// (docs/review.md).
package enum ReviewApp {
    package static func make(_ library: ReviewLibrary, port: Int = 0, token: String = LocalWebApp.newToken()) -> LocalWebApp {
        LocalWebApp(name: "review", port: port, token: token) { router in
            pages.register(on: router)
            routes(library, on: router)
        }
    }

    /// Plain HTML, CSS and JavaScript compiled into the binary; the CSP forbids inline script.
    static let pages = EmbeddedAssets([
        "/": PackageResources.class_html,
        "/attempt": PackageResources.attempt_html,
        "/review.css": PackageResources.review_css,
        "/class.js": PackageResources.class_js,
        "/attempt.js": PackageResources.attempt_js,
    ])

    static func routes(_ library: ReviewLibrary, on router: Router<LocalWebApp.Context>) {
        router.get("/api/attempts") { request, _ in
            try JSONBody.response(library.summaries(weights: try weights(request.uri.queryParameters)))
        }
        router.get("/api/attempts/:id") { _, context in
            try JSONBody.response(try library.detail(try id(context)))
        }
        router.put("/api/attempts/:id/review") { request, context in
            let body = try await JSONBody.decode(ReviewBody.self, from: request, limit: 256 * 1024)
            return try JSONBody.response(try library.saveReview(try id(context), body))
        }
        router.get("/api/attempts/:id/photo/:kind") { _, context in
            let kind = context.parameters.get("kind") ?? ""
            guard let jpeg = try library.photo(try id(context), kind: kind) else {
                throw APIError.notFound("This attempt has no \(kind) photo.")
            }
            return bytes(jpeg, type: "image/jpeg")
        }
        router.get("/api/attempts/:id/evidence/:flag/:source") { _, context in
            let source = context.parameters.get("source") ?? ""
            guard let flag = context.parameters.get("flag").flatMap({ Int($0) }),
                  let jpeg = try library.evidence(try id(context), flag: flag, source: source) else {
                throw APIError.notFound("This attempt has no \(source) evidence frame for that flag.")
            }
            return bytes(jpeg, type: "image/jpeg")
        }
        router.get("/api/attempts/:id/media/:track/init") { request, context in
            let media = try library.media(try id(context), track: context.parameters.get("track") ?? "", part: try part(request))
            var response = bytes(media.initSegment, type: "video/mp4")
            response.headers[.mimeTypeHeader] = media.mimeType
            response.headers[.durationHeader] = String(media.duration)
            response.headers[.mediaStartHeader] = String(media.keyframes.first ?? 0)
            return response
        }
        router.get("/api/attempts/:id/media/:track/segment") { request, context in
            let media = try library.media(try id(context), track: context.parameters.get("track") ?? "", part: try part(request))
            guard let text = request.uri.queryParameters["t"], let time = Double(String(text)), time.isFinite, time >= 0 else {
                throw APIError.badRequest("bad_time", "t must be a media time in seconds, e.g. ?t=105.5")
            }
            let segment: FragmentedMP4.Segment
            do { segment = try media.segment(containing: time) } catch {
                throw APIError(.internalServerError, code: "media_failed", "The recording could not be cut at \(time) s: \((error as? ProctorError)?.message ?? "\(error)")")
            }
            var response = bytes(segment.bytes, type: "video/mp4")
            response.headers[.segmentStartHeader] = String(segment.start)
            response.headers[.segmentEndHeader] = String(segment.end)
            return response
        }
    }

    /// `?preset=strict&w.face.missing=2`: weights to score the class with; none: each attempt's own.
    static func weights(_ query: Hummingbird.Parameters) throws -> ReviewWeights? {
        let preset = query["preset"].map(String.init)
        var kinds: [String: Double] = [:]
        for (key, value) in query where key.hasPrefix("w.") {
            guard let weight = Double(String(value)), weight.isFinite, weight >= 0 else {
                throw APIError.badRequest("bad_weight", "\(key) must be a weight of 0 or more")
            }
            kinds[String(key.dropFirst(2))] = weight
        }
        guard preset != nil || !kinds.isEmpty else { return nil }
        guard let chosen = ReviewWeights.Preset(rawValue: preset ?? "default") else {
            throw APIError.badRequest("bad_preset", "preset must be lenient, default or strict")
        }
        return ReviewWeights(preset: chosen, kinds: kinds)
    }

    /// `?part=N`: a bundle part (from 0); absent: the first part with media.
    static func part(_ request: Request) throws -> Int? {
        guard let text = request.uri.queryParameters["part"] else { return nil }
        guard let part = Int(String(text)), part >= 0 else { throw APIError.badRequest("bad_part", "part must be a bundle part number, e.g. ?part=1") }
        return part
    }

    static func id(_ context: LocalWebApp.Context) throws -> Int {
        guard let text = context.parameters.get("id"), let id = Int(text) else { throw APIError.notFound("No such attempt.") }
        return id
    }

    static func bytes(_ bytes: [UInt8], type: String) -> Response {
        var buffer = ByteBuffer()
        buffer.writeBytes(bytes)
        var headers = HTTPFields()
        headers[.contentType] = type
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: buffer))
    }
}

extension HTTPField.Name {
    static let mimeTypeHeader = HTTPField.Name("X-Proctor-Mime-Type")!
    static let durationHeader = HTTPField.Name("X-Proctor-Duration")!
    /// The media time of the part's first keyframe: where its playable video starts.
    static let mediaStartHeader = HTTPField.Name("X-Proctor-Start")!
    static let segmentStartHeader = HTTPField.Name("X-Proctor-Segment-Start")!
    static let segmentEndHeader = HTTPField.Name("X-Proctor-Segment-End")!
}
