import BrowserTesting
import Foundation
import TestTools
import XCTest
@testable import Encode
@testable import ProctorModel
@testable import Report
@testable import Seal

/// `proctor review` end to end: the built binary on two real sealed bundles, a real headless
/// Chromium through WebDriver, the review file and `proctor export` read back.
final class ReviewBrowserTests: XCTestCase {
    struct Class {
        let dir: URL
        let identity: InstructorIdentity
        let key: URL
        let flagged: URL
        let quiet: URL
    }

    /// "a-flagged": face.missing 7.05–12 s and audio.speech 14–15 s; "b-quiet": one short
    /// audio.speech, so it ranks second under the exam's weights.
    private func makeClass() throws -> Class {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-review-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let identity = try InstructorIdentity.generate(name: "prof")
        let key = try identity.write(to: dir, passphrase: nil).key
        let flagged = try ReviewFixtures.bundle("a-flagged", student: "s1000001", flags: [(7.05, 12, "face.missing"), (14, 15, "audio.speech")],
                                                in: dir, for: identity)
        let quiet = try ReviewFixtures.bundle("b-quiet", student: "s1000002", flags: [(3, 5.5, "audio.speech")], in: dir, for: identity)
        return Class(dir: dir, identity: identity, key: key, flagged: flagged, quiet: quiet)
    }

    private func api(_ app: ReviewProcess, _ path: String) throws -> RawHTTP.Response {
        try RawHTTP(port: app.port).send("GET", path, host: "127.0.0.1:\(app.port)", headers: ["Authorization": "Bearer \(app.token)"])
    }

    private func json(_ response: RawHTTP.Response) throws -> Any { try JSONSerialization.jsonObject(with: response.body) }

    func testTokenHostAndReweightingThroughTheAPI() throws {
        let c = try makeClass()
        let app = try ReviewProcess([c.dir.path, "--key", c.key.path], cache: c.dir.appendingPathComponent("cache"))
        defer { app.stop() }
        let http = RawHTTP(port: app.port)
        let bare = try http.send("GET", "/api/attempts", host: "127.0.0.1:\(app.port)")
        XCTAssertEqual(bare.status, 403)
        XCTAssertEqual(bare.errorCode, "token_required")
        let foreign = try http.send("GET", "/api/attempts", host: "attacker.example:\(app.port)", headers: ["Authorization": "Bearer \(app.token)"])
        XCTAssertEqual(foreign.status, 403)
        XCTAssertEqual(foreign.errorCode, "foreign_host")

        // Exam weights: the flagged attempt first. Face.missing weighted 0: the other first.
        let ranked = try XCTUnwrap(try json(try api(app, "/api/attempts")) as? [[String: Any]])
        XCTAssertEqual(ranked.compactMap { $0["student"] as? String }, ["s1000001", "s1000002"])
        let reweighted = try XCTUnwrap(try json(try api(app, "/api/attempts?preset=default&w.face.missing=0")) as? [[String: Any]])
        XCTAssertEqual(reweighted.compactMap { $0["student"] as? String }, ["s1000002", "s1000001"])
        let strict = try XCTUnwrap(try json(try api(app, "/api/attempts?preset=strict")) as? [[String: Any]])
        let lenient = try XCTUnwrap(try json(try api(app, "/api/attempts?preset=lenient")) as? [[String: Any]])
        XCTAssertGreaterThan(try XCTUnwrap(strict[0]["score"] as? Double), try XCTUnwrap(lenient[0]["score"] as? Double))
        XCTAssertEqual(try api(app, "/api/attempts?preset=harsh").status, 400)
        XCTAssertEqual(try api(app, "/api/attempts/7").status, 404)
        XCTAssertEqual(try api(app, "/api/attempts/0/media/camera/segment?t=-1").status, 400)
    }

    func testFlagSeeksBothVideosAndADispositionIsSignedKeptAndExported() throws {
        try XCTSkipUnless(Browser.isAvailable, "needs chromium and chromium-driver (make setup)")
        let c = try makeClass()
        var app = try ReviewProcess([c.dir.path, "--key", c.key.path], cache: c.dir.appendingPathComponent("cache"))
        defer { app.stop() }
        let browser = try Browser()
        defer { browser.quit() }

        // Class view: ranked by score, highest first.
        try browser.open(app.url)
        try browser.waitUntil("the class list") { try browser.elements("#attempts tbody tr").count == 2 }
        let scores = try browser.elements("#attempts tbody td.score").map { Double(try $0.text) ?? -1 }
        XCTAssertEqual(scores, scores.sorted(by: >))
        XCTAssertGreaterThan(scores[0], scores[1])
        XCTAssertEqual(try browser.element("#attempts tbody tr a").text, "s1000001")
        XCTAssertEqual(try browser.axeViolations().map(\.description), [])
        try browser.screenshot(to: Self.images.appendingPathComponent("review-class.png"))
        // Re-weighting in the page changes the scores shown.
        try browser.execute("const s = document.getElementById('preset'); s.value = 'lenient'; s.dispatchEvent(new Event('change'));")
        try browser.waitUntil("lenient scores") { Double(try browser.element("#attempts tbody td.score").text) ?? 0 < scores[0] }
        // face.missing weighted 0 in the page: the other attempt ranks first.
        try browser.execute("const i = document.getElementById('weight-face-missing'); i.value = '0'; i.dispatchEvent(new Event('change'));")
        try browser.waitUntil("the re-weighted order") { try browser.element("#attempts tbody tr a").text == "s1000002" }
        try browser.execute("const i = document.getElementById('weight-face-missing'); i.value = ''; const s = document.getElementById('preset'); s.value = ''; s.dispatchEvent(new Event('change'));")
        try browser.waitUntil("the exam's order again") { try browser.element("#attempts tbody tr a").text == "s1000001" }
        try browser.element("#filter").type("0002")
        try browser.waitUntil("the filter") { try browser.elements("#attempts tbody tr").count == 1 }
        try browser.execute("const f = document.getElementById('filter'); f.value = ''; f.dispatchEvent(new Event('input'));")

        // Attempt view: both players ready, then a click on the first flag seeks both.
        try browser.element("#attempts tbody tr a").click()
        try browser.waitUntil("the videos", timeout: 20) { try browser.execute("return document.body.dataset.ready || ''") as? String == "true" }
        try browser.element("#flags > li button.seek").click()
        func times() throws -> (camera: Double, screen: Double, settled: Bool) { try Self.playerTimes(browser) }
        try browser.waitUntil("the camera at the flag", timeout: 15) { let t = try times(); return t.settled && abs(t.camera - 7.05) < 0.5 }
        let now = try times()
        XCTAssertEqual(now.camera, 7.05, accuracy: 0.5)
        XCTAssertEqual(now.screen, now.camera, accuracy: 0.2, "the screen stays in step")

        // The picture the page shows is the frame proctor decodes at that time.
        let drawn = try Self.cameraPicture(browser)
        let shown = ReviewFixtures.firstFrame + (((now.camera - ReviewFixtures.firstFrame) / 0.1) + 1e-6).rounded(.down) * 0.1
        let reader = try RecordingReader(MemoryByteSource(ReviewFixtures.recording))
        let expected = try reader.frame(at: shown, maxWidth: 320)
        let other = try reader.frame(at: shown + 1, maxWidth: 320)
        XCTAssertEqual(drawn.count, expected.pixels.count, "the camera's 320x240 picture")
        // Chromium and swscale convert YUV to RGB with slightly different matrices and
        // rounding, so pictures are compared after the best affine colour map between them.
        let candidates = try [-0.2, -0.1, 0, 0.1, 0.2].map { try Self.residual(reader.frame(at: shown + $0, maxWidth: 320).pixels, drawn) }
        // Measured: 3.0 for the right frame, 4.1 and 7.1 for its neighbours, 21.8 a second later
        // (raw difference without the colour map: 8.5).
        XCTAssertLessThan(candidates[2], 3.5, "the same picture up to colour conversion: \(candidates)")
        XCTAssertGreaterThan(Self.residual(other.pixels, drawn), 3 * candidates[2], "a second later the picture differs")
        XCTAssertEqual(candidates.firstIndex(of: candidates.min()!), 2, "the frame shown is the one at \(shown) s: \(candidates)")

        // The flag's evidence frames, as on the PDF: camera and screen JPEGs decoded by proctor.
        try browser.waitUntil("the evidence frames") {
            try browser.execute("return Array.from(document.querySelectorAll('#flags > li:first-child .evidence img')).filter(i => i.complete && i.naturalWidth > 0).map(i => i.naturalWidth + 'x' + i.naturalHeight).join(' ')") as? String == "320x240 480x270"
        }
        XCTAssertEqual(try browser.elements("#timeline .levels .level").count, 10, "export's audio trace: one reading every 2 s of the 20 s recording")
        XCTAssertEqual(try browser.axeViolations().map(\.description), [])
        try browser.screenshot(to: Self.images.appendingPathComponent("review-attempt.png"))

        // j moves to the next flag.
        try browser.pressKeys("j")
        try browser.waitUntil("the second flag", timeout: 15) { let t = try times(); return t.settled && abs(t.camera - 14) < 0.5 }

        // Dismiss the first flag with a note, mark reviewed, save: a signed review file.
        try browser.execute("document.querySelector('#disposition-0').value = 'dismiss'")
        try browser.element("#note-0").type("Picked up a pencil.")
        try browser.element("#reviewed").click()
        // A per-kind weight in the attempt view, saved beside the preset.
        try browser.execute("document.getElementById('kind-weight-audio-speech').value = '1.5'")
        try browser.element("#save").click()
        try browser.waitUntil("the save") { try browser.element("#status").text == "Review saved and signed." }
        var trust = ExamTrust()
        trust.trustOwn(c.identity.recipientKey)
        let file = ReviewFile.url(forBundle: c.flagged)
        let checked = try XCTUnwrap(ReviewFile.read(file, bundleSHA256: try ReviewFile.sha256(ofFile: c.flagged),
                                                    sessionId: try BundleReader(contentsOf: c.flagged).header.sessionId, trust: trust))
        XCTAssertEqual(checked.status, .valid, checked.line)
        XCTAssertEqual(checked.document?.flags.map(\.disposition), [.dismiss])
        XCTAssertEqual(checked.document?.attempt.reviewed, true)
        XCTAssertEqual(checked.document?.weights.kinds, ["audio.speech": "1.5"])

        // A restart of proctor review shows it again.
        app.stop()
        app = try ReviewProcess([c.dir.path, "--key", c.key.path], cache: c.dir.appendingPathComponent("cache"))
        try browser.open(URL(string: "http://127.0.0.1:\(app.port)/attempt?token=\(app.token)&id=0")!)
        try browser.waitUntil("the saved disposition") {
            try browser.execute("const s = document.querySelector('#disposition-0'); return s ? s.value : ''") as? String == "dismiss"
        }
        XCTAssertEqual(try browser.element("#note-0").property("value") as? String, "Picked up a pencil.")
        XCTAssertEqual(try browser.element("#kind-weight-audio-speech").property("value") as? String, "1.5", "the saved kind weight shown again")

        // proctor export --pdf shows it.
        let out = c.dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        _ = try? CommandOutput.run(app.process.executableURL!.path, ["export", c.flagged.path, "--key", c.key.path, "--pdf", "-o", out.path])
        let pdf = try CommandOutput.run("pdftotext", [out.appendingPathComponent("s1000001-chem101.pdf").path, "-"])
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
        XCTAssertTrue(pdf.contains("Review: DISMISSED by prof (left out of the score after review): Picked up a pencil."), pdf)

        // Edited by hand: the app reports it as tampered after the next start.
        let edited = try String(contentsOf: file, encoding: .utf8).replacingOccurrences(of: "\"dismiss\"", with: "\"confirm\"")
        try edited.write(to: file, atomically: true, encoding: .utf8)
        app.stop()
        app = try ReviewProcess([c.dir.path, "--key", c.key.path], cache: c.dir.appendingPathComponent("cache"))
        let rows = try XCTUnwrap(try json(try api(app, "/api/attempts")) as? [[String: Any]])
        XCTAssertEqual(rows.first { $0["student"] as? String == "s1000001" }?["reviewStatus"] as? String, "review tampered")
    }

    /// A crash and `begin --resume` made two parts (0–20 s and 30–50 s): the attempt view plays
    /// both on one timeline. The gap is drawn where it is, a flag in part 1 seeks both videos
    /// into part 1 and the picture shown is part 1's frame there (not part 0's), a seek into the
    /// gap goes on at part 1's start, and playing past part 0's end goes on in part 1.
    func testAResumedAttemptPlaysEveryPartOnOneTimelineWithTheGapShown() throws {
        try XCTSkipUnless(Browser.isAvailable, "needs chromium and chromium-driver (make setup)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-review-parts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let identity = try InstructorIdentity.generate(name: "prof")
        let key = try identity.write(to: dir, passphrase: nil).key
        let bundle = try ReviewFixtures.resumedBundle("r-resumed", student: "s2000001", flags: [(7.05, 12, "face.missing"), (35, 38, "gaze.away")],
                                                      in: dir, for: identity)
        let app = try ReviewProcess([bundle.path, "--key", key.path], cache: dir.appendingPathComponent("cache"))
        defer { app.stop() }
        let browser = try Browser()
        defer { browser.quit() }
        try browser.open(URL(string: "http://127.0.0.1:\(app.port)/attempt?token=\(app.token)&id=0")!)
        try browser.waitUntil("the videos", timeout: 20) { try browser.execute("return document.body.dataset.ready || ''") as? String == "true" }

        // The gap: 20–30 s on an axis to 50 s, hatched over the lanes.
        let gaps = try XCTUnwrap(browser.execute("""
            return Array.from(document.querySelectorAll('#timeline .gap')).map(g => [parseFloat(g.style.left), parseFloat(g.style.width), g.getAttribute('aria-label')]);
            """) as? [[Any]])
        XCTAssertEqual(gaps.count, 1)
        XCTAssertEqual((gaps.first?[0] as? NSNumber)?.doubleValue ?? -1, 40, accuracy: 0.5, "starts at 20 s of 50 s")
        XCTAssertEqual((gaps.first?[1] as? NSNumber)?.doubleValue ?? -1, 20, accuracy: 0.5, "10 s wide")
        XCTAssertEqual(gaps.first?[2] as? String, "Gap: nothing recorded from 0:00:20 to 0:00:30, between part 0 and part 1")
        let partsLine = try browser.element("#parts").text
        XCTAssertTrue(partsLine.contains("gap of 0:00:10 not recorded, part 1 0:00:30–0:00:50"), partsLine)
        XCTAssertEqual(try browser.axeViolations().map(\.description), [])
        try browser.execute("document.getElementById('timeline-title').scrollIntoView();")
        try browser.screenshot(to: Self.images.appendingPathComponent("review-attempt-parts.png"))
        try browser.execute("window.scrollTo(0, 0);")

        func times() throws -> (camera: Double, screen: Double, settled: Bool) { try Self.playerTimes(browser) }
        // The flag in part 1 seeks both videos there.
        try browser.elements("#flags > li button.seek")[1].click()
        try browser.waitUntil("the camera in part 1", timeout: 15) { let t = try times(); return t.settled && abs(t.camera - 35) < 0.5 }
        let now = try times()
        XCTAssertEqual(now.camera, 35, accuracy: 0.5)
        XCTAssertEqual(now.screen, now.camera, accuracy: 0.2, "the screen stays in step in part 1")
        let drawn = try Self.cameraPicture(browser)
        let partOne = try RecordingReader(MemoryByteSource(SessionRecording.resumedPart))
        let partZero = try RecordingReader(MemoryByteSource(ReviewFixtures.recording))
        XCTAssertEqual(drawn.count, 320 * 240 * 3)
        let near = try [-0.2, -0.1, 0, 0.1, 0.2].map { try Self.residual(partOne.frame(at: now.camera + $0, maxWidth: 320).pixels, drawn) }
        let zero = try Self.residual(partZero.frame(at: now.camera - SessionRecording.resumedStart, maxWidth: 320).pixels, drawn)
        // Measured: 4.1 for the frame at the playhead, 26–37 for its neighbours 0.1–0.2 s away
        // (testsrc2's moving colours leave more after the colour map than part 0's testsrc).
        XCTAssertEqual(near.firstIndex(of: near.min()!), 2, "the frame shown is part 1's at \(now.camera) s: \(near)")
        XCTAssertLessThan(near[2], 6, "part 1's picture, up to colour conversion: \(near)")
        XCTAssertGreaterThan(zero, 3 * near.min()!, "not part 0's picture: \(zero) against \(near)")

        // A seek into the gap goes on at part 1's start.
        try browser.execute("document.getElementById('camera').currentTime = 25;")
        try browser.waitUntil("part 1's start", timeout: 15) { let t = try times(); return t.settled && abs(t.camera - 30) < 0.5 }

        // Playing past part 0's end goes on in part 1.
        try browser.execute("const c = document.getElementById('camera'); c.currentTime = 19; c.play();")
        try browser.waitUntil("playback in part 1", timeout: 20) { try times().camera > 30.3 }
        try browser.execute("document.getElementById('camera').pause();")
    }

    /// Mean absolute difference between `b` and the least-squares affine colour map of `a`
    /// (each output channel a linear function of R, G, B and 1).
    /// Both players' `currentTime`, and whether both have settled (not seeking, a frame ready).
    static func playerTimes(_ browser: Browser) throws -> (camera: Double, screen: Double, settled: Bool) {
        let value = try browser.execute("""
            const c = document.getElementById('camera'), s = document.getElementById('screen');
            return [c.currentTime, s.currentTime, !c.seeking && !s.seeking && c.readyState >= 2 && s.readyState >= 2];
            """) as? [Any] ?? []
        return ((value.first as? NSNumber)?.doubleValue ?? -1, (value.dropFirst().first as? NSNumber)?.doubleValue ?? -1, value.last as? Bool ?? false)
    }

    /// The camera player's current picture as RGB bytes, drawn through a canvas.
    static func cameraPicture(_ browser: Browser) throws -> [UInt8] {
        try XCTUnwrap(browser.execute("""
            const v = document.getElementById('camera'), canvas = document.createElement('canvas');
            canvas.width = v.videoWidth; canvas.height = v.videoHeight;
            const g = canvas.getContext('2d'); g.drawImage(v, 0, 0);
            const rgba = g.getImageData(0, 0, canvas.width, canvas.height).data, rgb = [];
            for (let i = 0; i < rgba.length; i += 4) rgb.push(rgba[i], rgba[i + 1], rgba[i + 2]);
            return rgb;
            """) as? [NSNumber]).map { UInt8(truncating: $0) }
    }

    static func residual(_ a: [UInt8], _ b: [UInt8]) -> Double {
        let pixels = min(a.count, b.count) / 3
        var total = 0.0
        for channel in 0..<3 {
            var m = [[Double]](repeating: [Double](repeating: 0, count: 5), count: 4)
            for p in 0..<pixels {
                let x = [Double(a[3 * p]), Double(a[3 * p + 1]), Double(a[3 * p + 2]), 1]
                let y = Double(b[3 * p + channel])
                for i in 0..<4 {
                    for j in 0..<4 { m[i][j] += x[i] * x[j] }
                    m[i][4] += x[i] * y
                }
            }
            // Gaussian elimination with partial pivoting on the 4x4 normal equations.
            for col in 0..<4 {
                let pivot = (col..<4).max { abs(m[$0][col]) < abs(m[$1][col]) }!
                m.swapAt(col, pivot)
                guard abs(m[col][col]) > 1e-9 else { continue }
                for row in 0..<4 where row != col {
                    let f = m[row][col] / m[col][col]
                    for k in col..<5 { m[row][k] -= f * m[col][k] }
                }
            }
            let w = (0..<4).map { abs(m[$0][$0]) > 1e-9 ? m[$0][4] / m[$0][$0] : 0 }
            for p in 0..<pixels {
                let fit = w[0] * Double(a[3 * p]) + w[1] * Double(a[3 * p + 1]) + w[2] * Double(a[3 * p + 2]) + w[3]
                total += abs(fit - Double(b[3 * p + channel]))
            }
        }
        return total / Double(max(1, 3 * pixels))
    }

    /// Screenshots for docs/review.md: docs/images only with PROCTOR_UPDATE_SCREENSHOTS=1.
    static let images = ScreenshotFolder.folder(
        repository: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent(),
        scratchName: "proctor-review-screens")
}
