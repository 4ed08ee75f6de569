import Foundation
import Hummingbird
import TestTools
import XCTest
@testable import WebLayer

/// The door of every local app, on a real loopback socket, with the headers a browser (or an
/// attacker's page) would send.
final class LoopbackGuardTests: XCTestCase {
    private let token = "5f" + String(repeating: "ab", count: 31)

    private var app: LocalWebApp {
        LocalWebApp(name: "test", token: token) { router in
            router.get("/hello") { _, _ in "hello" }
            router.post("/echo") { request, _ in
                struct Note: Codable { let text: String }
                let note = try await JSONBody.decode(Note.self, from: request, limit: 64)
                return try JSONBody.response(note)
            }
        }
    }

    func testTheReadyURLCarriesTheTokenOnLoopback() async throws {
        let token = self.token
        try await withLiveApp(app) { port, url in
            XCTAssertEqual(url.host, "127.0.0.1")
            XCTAssertGreaterThan(port, 0)
            XCTAssertEqual(url.query, "token=\(token)")
        }
    }

    func testWithoutTheTokenEveryPathIs403() async throws {
        try await withLiveApp(app) { port, _ in
            for path in ["/hello", "/", "/nothing-here"] {
                let response = try RawHTTP(port: port).send("GET", path)
                XCTAssertEqual(response.status, 403, path)
                XCTAssertEqual(response.errorCode, "token_required")
                XCTAssertEqual(response.header("content-type"), "application/json; charset=utf-8")
            }
        }
    }

    func testTokenInTheAddressBecomesACookieAndLeavesTheAddress() async throws {
        let token = self.token
        try await withLiveApp(app) { port, _ in
            let client = RawHTTP(port: port)
            let redirect = try client.send("GET", "/hello?token=\(token)&x=1")
            XCTAssertEqual(redirect.status, 303)
            XCTAssertEqual(redirect.header("location"), "/hello?x=1")
            let setCookie = try XCTUnwrap(redirect.header("set-cookie"))
            XCTAssertTrue(setCookie.contains("HttpOnly"))
            XCTAssertTrue(setCookie.contains("SameSite=Strict"))
            let cookie = String(setCookie.split(separator: ";")[0])
            XCTAssertEqual(cookie, "proctor_token_\(port)=\(token)")

            let page = try client.send("GET", "/hello", headers: ["Cookie": cookie])
            XCTAssertEqual(page.status, 200)
            XCTAssertEqual(page.text, "hello")
            XCTAssertEqual(page.header("content-security-policy"), SecurityHeaders<BasicRequestContext>.contentSecurityPolicy)
            XCTAssertEqual(page.header("x-content-type-options"), "nosniff")
            XCTAssertEqual(page.header("cache-control"), "no-store")
        }
    }

    func testWrongTokensAreRefused() async throws {
        let token = self.token
        try await withLiveApp(app) { port, _ in
            let client = RawHTTP(port: port)
            let wrong = try client.send("GET", "/hello?token=\(token.dropLast())0")
            XCTAssertEqual(wrong.status, 403)
            XCTAssertEqual(wrong.errorCode, "bad_token")
            XCTAssertEqual(try client.send("GET", "/hello", headers: ["Authorization": "Bearer nope"]).status, 403)
            XCTAssertEqual(try client.send("GET", "/hello", headers: ["Cookie": "proctor_token_\(port + 1)=\(token)"]).status, 403)
            XCTAssertEqual(try client.send("GET", "/hello", headers: ["Authorization": "Bearer \(token)"]).status, 200)
        }
    }

    func testForeignHostAndOriginAreRefusedEvenWithTheToken() async throws {
        let bearer = ["Authorization": "Bearer \(token)"]
        try await withLiveApp(app) { port, _ in
            let client = RawHTTP(port: port)
            // DNS rebinding: evil.example resolved to 127.0.0.1, the browser still sends its name.
            for foreign in ["evil.example:\(port)", "127.0.0.1:\(port + 1)", "127.0.0.1"] {
                let response = try client.send("GET", "/hello", host: foreign, headers: bearer)
                XCTAssertEqual(response.status, 403, foreign)
                XCTAssertEqual(response.errorCode, "foreign_host")
            }
            XCTAssertEqual(try client.send("GET", "/hello", host: "localhost:\(port)", headers: bearer).status, 200)
            let json = Data(#"{"text":"x"}"#.utf8)
            let evil = try client.send("POST", "/echo", headers: bearer.merging(["Origin": "https://evil.example"]) { $1 }, body: json)
            XCTAssertEqual(evil.status, 403)
            XCTAssertEqual(evil.errorCode, "foreign_origin")
            let own = try client.send("POST", "/echo", headers: bearer.merging(["Origin": "http://127.0.0.1:\(port)"]) { $1 }, body: json)
            XCTAssertEqual(own.status, 200)
            XCTAssertEqual(own.text, #"{"text":"x"}"#)
        }
    }

    func testBadBodiesGetJSONErrors() async throws {
        let bearer = ["Authorization": "Bearer \(token)"]
        try await withLiveApp(app) { port, _ in
            let client = RawHTTP(port: port)
            let malformed = try client.send("POST", "/echo", headers: bearer, body: Data("{not json".utf8))
            XCTAssertEqual(malformed.status, 400)
            XCTAssertEqual(malformed.errorCode, "malformed_json")
            let missing = try client.send("POST", "/echo", headers: bearer, body: Data(#"{"txt":"x"}"#.utf8))
            XCTAssertEqual(missing.status, 400)
            XCTAssertTrue(missing.text.contains("text is missing"), missing.text)
            let large = try client.send("POST", "/echo", headers: bearer, body: Data(#"{"text":"\#(String(repeating: "a", count: 100))"}"#.utf8))
            XCTAssertEqual(large.status, 413)
            XCTAssertEqual(large.errorCode, "body_too_large")
            let nowhere = try client.send("GET", "/nowhere", headers: bearer)
            XCTAssertEqual(nowhere.status, 404)
            XCTAssertEqual(nowhere.errorCode, "not_found")
        }
    }
}
