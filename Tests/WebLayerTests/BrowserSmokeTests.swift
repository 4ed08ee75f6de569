import BrowserTesting
import Foundation
import XCTest
@testable import WebLayer

/// The web layer in a real Chromium: the printed URL logs the browser in (token to cookie), the
/// CSP lets the page's own script run and blocks an inline one, and axe finds nothing serious.
final class BrowserSmokeTests: XCTestCase {
    static let page = """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Smoke</title>
        <script src="/smoke.js" defer></script></head>
        <body><main><h1 id="title">Waiting</h1><p id="inline">inline script blocked</p>
        <script>document.getElementById('inline').textContent = 'inline script ran';</script></main></body></html>
        """
    static let script = "document.getElementById('title').textContent = 'Script ran';"

    func testPageLoadsThroughTheTokenURLUnderTheCSP() async throws {
        try XCTSkipUnless(Browser.isAvailable, "needs chromium and chromium-driver (make setup)")
        let assets = EmbeddedAssets(["/": Array(Self.page.utf8), "/smoke.js": Array(Self.script.utf8)])
        let app = LocalWebApp(name: "smoke") { router in
            assets.register(on: router)
        }
        try await withLiveApp(app) { port, url in
            let browser = try Browser()
            defer { browser.quit() }
            try browser.open(url)
            try browser.waitUntil("the page's script to run") { try browser.element("#title").text == "Script ran" }
            XCTAssertEqual(try browser.currentURL, "http://127.0.0.1:\(port)/", "the token leaves the address bar")
            XCTAssertEqual(try browser.element("#inline").text, "inline script blocked")
            XCTAssertEqual(try browser.axeViolations().map(\.description), [])

            try browser.open(URL(string: "http://localhost:\(port + 0)/smoke.js")!)
            XCTAssertTrue(try browser.element("body").text.contains("token_required"), "another origin has no cookie")
        }
    }
}
