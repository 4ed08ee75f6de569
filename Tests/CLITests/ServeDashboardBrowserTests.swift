import BrowserTesting
import Exam
import Foundation
import XCTest

/// The dashboard page in a real Chromium: the link `proctor exam dashboard` prints, the exam
/// list, one click to the attempts, what the rows say, the token gone from the address bar, and
/// axe finding nothing serious. The screenshot is docs/images/server-dashboard.png.
extension ServeTests {
    func testDashboardPageInABrowser() async throws {
        try XCTSkipUnless(Browser.isAvailable, "needs chromium and chromium-driver (make setup)")
        XCTAssertEqual(try server.json("POST", "/v1/exams", try publication(students: ["s1", "s2", "s3"]).envelope(signedBy: identity)).status, 201)
        let exam = try ExamFile.load(examURL)
        let (attemptId, signedTicket) = try ticket(for: "s1")
        let recording = try Recording(folder: folder, exam: exam, student: "s1", recipient: identity.recipientKey, ticket: signedTicket)
        try recording.append(3)
        XCTAssertEqual(try send(try recording.checkpoint(attemptId: attemptId, ticket: signedTicket, sequence: 0, carriesKey: true), attemptId).status, 201)
        let made = try ProctorBinary.run(["exam", "dashboard", examURL.path, "--key", folder.appendingPathComponent("prof.key").path])
        XCTAssertEqual(made.status, 0, made.stderr)
        let link = try XCTUnwrap(URL(string: made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))

        let browser = try Browser(width: 1200, height: 700)
        defer { browser.quit() }
        try browser.open(link)
        try browser.waitUntil("the exam list") { try browser.elements("#exams tbody tr").count == 1 }
        let who = try browser.element("#who").text
        XCTAssertTrue(who.hasPrefix("Signed in as prof ("), who)
        XCTAssertEqual(try browser.execute("return location.hash") as? String, "", "the token leaves the address bar")
        try browser.element("#exams tbody button").click()
        try browser.waitUntil("the attempts") { try browser.elements("#attempts tbody tr").count == 1 }
        let cells = try browser.elements("#attempts tbody tr td").map { try $0.text }
        XCTAssertEqual(cells.first, "s1")
        XCTAssertEqual(cells.dropFirst().first, "recording")
        XCTAssertEqual(cells.dropFirst(3).first, "1", "one checkpoint")
        XCTAssertEqual(try browser.element("#not-started").text, "Not started: s2, s3")
        XCTAssertEqual(try browser.axeViolations().map(\.description), [])
        let images = ScreenshotFolder.folder(repository: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent(), scratchName: "proctor-dashboard-screens")
        try browser.screenshot(to: images.appendingPathComponent("server-dashboard.png"))
    }
}
