import BrowserTesting
import Encode
import Foundation
import ProctorModel
import XCTest
@testable import Seal

/// The student page of `proctor begin` in a real Chromium, against the real binary recording
/// from a file camera (a portrait, so the pixels and the faces are known): the preview shows the
/// camera's picture, the agreement accepted on the page starts the exam (and is recorded as
/// given there), "take photo" seals exactly the picture the page showed, the room scan's bar
/// reaches 100%, "Finish and submit" delivers and shows the receipt, a warning reaches the
/// page's live region within 4 s of the face leaving, and axe finds nothing serious on any step.
/// The screenshots in docs/user-guide.md are taken here.
final class StudentPageBrowserTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let portrait = repository.appendingPathComponent("Tests/Fixtures/faces/grace_hopper.jpg")
    /// docs/images only with PROCTOR_UPDATE_SCREENSHOTS=1 (the user guide's pictures).
    static let images = ScreenshotFolder.folder(repository: repository, scratchName: "proctor-student-page-screens")

    func testTheStudentAgreesTakesPhotosScansTheRoomAndSubmitsOnThePage() throws {
        try XCTSkipUnless(Browser.isAvailable, "needs chromium and chromium-driver (make setup)")
        let inbox = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-inbox-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: inbox) }
        let kit = try RecordingSessionKit(extraSettings: "room_scan_seconds = 3", faceAndIDPhotos: true,
                                          examSettings: "submission = \"\(inbox.path)\"")
        defer { kit.remove() }
        let video = try Self.portraitVideo(in: kit.directory, faceSeconds: 120, thenGraySeconds: 0)
        let reference = try Self.firstFrame(of: video)
        let begin = try PageSession(["begin", "--exam", kit.examURL.path, "--student", "s1", "--camera", "file:\(video.path)",
                                     "--mic", "test", "--screen", "none", "--no-browser"], environment: kit.environment)
        defer { begin.stop() }
        let browser = try Browser(width: 1100, height: 1000)
        defer { browser.quit() }
        try browser.open(try begin.pageURL())

        // The agreement, accepted on the page.
        try browser.waitUntil("the agreement to be asked") { try browser.element("#accept").property("disabled") as? Bool == false }
        XCTAssertTrue(try browser.element("#disclosure").text.contains("Camera video"))
        XCTAssertEqual(try browser.axeViolations().map(\.description), [], "agreement step")
        try browser.screenshot(to: Self.images.appendingPathComponent("student-agreement.png"))
        // By keyboard: focus is on the step's heading; Tab to the disclosure, Tab to the button, Enter.
        XCTAssertEqual(try browser.execute("return document.activeElement.id") as? String, "agreement-title")
        try browser.pressKeys("\u{E004}\u{E004}")
        XCTAssertEqual(try browser.execute("return document.activeElement.id") as? String, "accept")
        try browser.pressKeys("\u{E007}")

        // The ID photo: the preview is the camera's picture; the photo is the frame shown.
        try browser.waitUntil("the ID photo step with a preview", timeout: 30) {
            try browser.element("#photo-title").text == "ID photo" && Self.shownSequence(browser) > 0
        }
        try browser.waitUntil("the exposure line to see the face", timeout: 30) {
            try browser.element("#exposure").text == "face found · picture OK"
        }
        let preview = try Self.shownPicture(browser)
        XCTAssertLessThan(preview.difference(to: reference), 6, "the preview shows the camera's picture")
        XCTAssertGreaterThan(preview.difference(to: .flat(128)), 20, "a flat picture would not match")
        XCTAssertEqual(try browser.axeViolations().map(\.description), [], "photo step")
        try browser.screenshot(to: Self.images.appendingPathComponent("student-id-photo.png"))
        let idShown = try Self.takePhoto(browser)
        try browser.waitUntil("the face photo step", timeout: 20) { try browser.element("#photo-title").text == "Face photo" && Self.shownSequence(browser) > 0 }
        // Retake once: the photo sealed is the one taken after it.
        try browser.element("#take").click()
        try browser.waitUntil("the retake button") { try browser.element("#retake").property("hidden") as? Bool == false }
        try browser.element("#retake").click()
        try browser.waitUntil("the live picture again") { try browser.element("#take").property("hidden") as? Bool == false }
        let faceShown = try Self.takePhoto(browser)

        // The room scan's progress bar runs to 100%, then the recording step.
        var seen: Set<Int> = []
        try browser.waitUntil("the room scan to reach 100%", timeout: 30) {
            let value = (try browser.element("#scan-progress").property("value") as? NSNumber)?.intValue ?? 0
            if try browser.element("#step-room-scan").property("hidden") as? Bool == false { seen.insert(value) }
            return value == 100
        }
        XCTAssertTrue(seen.contains { $0 > 0 && $0 < 100 }, "progress between 0 and 100 was shown: \(seen.sorted())")
        try browser.waitUntil("the recording step", timeout: 20) {
            try browser.element("#step-recording").property("hidden") as? Bool == false && Self.shownSequence(browser) > faceShown.sequence
        }
        let live = try Self.shownPicture(browser)
        XCTAssertLessThan(live.difference(to: reference), 8, "the recording preview (the analysis frames) shows the camera")
        XCTAssertTrue(try browser.element("#recording-what").text.contains("camera"))
        XCTAssertEqual(try browser.axeViolations().map(\.description), [], "recording step")
        try browser.screenshot(to: Self.images.appendingPathComponent("student-recording.png"))

        // Finish and submit, with the confirmation, by keyboard-reachable buttons.
        try browser.element("#finish").click()
        try browser.waitUntil("the confirmation") { try browser.element("#confirm").property("open") as? Bool == true }
        XCTAssertEqual(try browser.axeViolations().map(\.description), [], "confirmation")
        try browser.element("#confirm-yes").click()
        try browser.waitUntil("the receipt", timeout: 60) { try browser.element("#receipt").property("hidden") as? Bool == false }
        let delivered = try XCTUnwrap(try FileManager.default.contentsOfDirectory(at: inbox, includingPropertiesForKeys: nil).first {
            $0.pathExtension == "proctor" })
        let digest = try MediaCheck.run("sha256sum", [delivered.path]).out.split(separator: " ").first.map(String.init)
        XCTAssertEqual(try browser.element("#receipt-sha256").text, digest)
        XCTAssertEqual(try browser.axeViolations().map(\.description), [], "receipt")
        try browser.screenshot(to: Self.images.appendingPathComponent("student-receipt.png"))
        XCTAssertEqual(try browser.execute("return document.getElementById('camera').hidden") as? Bool, true, "the preview is off")
        XCTAssertEqual(begin.wait(), 0, begin.stderr)

        // What was sealed: the photos the page showed, and the one acceptance, given on the page.
        let (records, _, _) = try kit.read(delivered)
        let photos = try records.filter { $0.type == .photo }.map { try RecordingRecords.decodePhoto(try XCTUnwrap($0.payload)) }
        XCTAssertEqual(photos.map(\.kind), ["id", "face"])
        XCTAssertEqual(Array(photos[0].jpeg), idShown.jpeg, "the ID photo is the JPEG the page showed")
        XCTAssertEqual(Array(photos[1].jpeg), faceShown.jpeg, "the face photo is the JPEG the page showed")
        let sealedID = try Picture(jpeg: Array(photos[0].jpeg))
        XCTAssertLessThan(sealedID.difference(to: idShown.picture), 2, "the page's pixels are the sealed photo's")
        let events = try records.filter { $0.type == .timeline }.map { try RecordingRecords.decodeTimeline(try XCTUnwrap($0.payload)) }
        XCTAssertEqual(events.filter { $0.kind == "session.agreed" }.map(\.subject), ["page"])
        XCTAssertEqual(events.last?.kind, "session.end")
    }

    func testAWarningReachesThePagesLiveRegionWithinFourSecondsOfTheFaceLeaving() throws {
        try XCTSkipUnless(Browser.isAvailable, "needs chromium and chromium-driver (make setup)")
        let kit = try RecordingSessionKit()
        defer { kit.remove() }
        let faceSeconds = 6.0
        let video = try Self.portraitVideo(in: kit.directory, faceSeconds: faceSeconds, thenGraySeconds: 30)
        let begin = try PageSession(["begin", "--exam", kit.examURL.path, "--student", "s1", "--camera", "file:\(video.path)",
                                     "--mic", "test", "--screen", "none", "--no-browser", "--accept", "--duration", "16"],
                                    environment: kit.environment)
        defer { begin.stop() }
        let browser = try Browser()
        defer { browser.quit() }
        try browser.open(try begin.pageURL())
        // The wall-clock moment media time 0 was: the earliest (now - elapsed) over the page's state.
        var recordingStart = Date.distantFuture
        var shownAt: Date?
        try browser.waitUntil("a warning on the page", timeout: 30) {
            if let elapsed = try browser.executeAsync("""
                const done = arguments[arguments.length - 1];
                fetch('/api/state').then(r => r.json()).then(s => done(s.progress ? s.progress.elapsed : null), () => done(null));
                """) as? Double {
                recordingStart = min(recordingStart, Date().addingTimeInterval(-elapsed))
            }
            guard try !browser.elements("#warnings p").isEmpty else { return false }
            shownAt = Date()
            return true
        }
        let delay = try XCTUnwrap(shownAt).timeIntervalSince(recordingStart) - faceSeconds
        print("STUDENT-PAGE warning shown \(String(format: "%.2f", delay)) s after the face left")
        XCTAssertLessThanOrEqual(delay, 4, "the warning appears within 4 s of the face leaving")
        XCTAssertGreaterThan(delay, 0, "not before it left")
        let warning = try browser.element("#warnings p").text
        XCTAssertTrue(warning.hasPrefix("Your face is not visible"), warning)
        let region = try browser.execute("return document.querySelector('#warnings p').closest('[aria-live]').getAttribute('aria-live')") as? String
        XCTAssertEqual(region, "assertive", "announced by screen readers")
        XCTAssertTrue(try browser.element("#status-line").text.contains("Recording"))
        XCTAssertEqual(begin.wait(), 0, begin.stderr)
        let bundle = try XCTUnwrap(kit.bundles.first)
        let events = try kit.read(bundle).records.filter { $0.type == .timeline }
            .map { try RecordingRecords.decodeTimeline(try XCTUnwrap($0.payload)) }
        let shown = events.filter { $0.kind == "warning.shown" }
        XCTAssertEqual(shown.map(\.severity), [.info], "one warning, never scored")
        XCTAssertEqual(shown.first?.start ?? 0, faceSeconds + 3, accuracy: 1.5)
        XCTAssertTrue(begin.stderr.contains("Your face is not visible"), "and on the terminal")
    }

    /// With the page served beside it, the terminal is still a complete interface: "yes" and
    /// Enter on a real pty agree and take both photos, the exposure line shows on the status
    /// line while they are taken, and the acceptance is recorded as typed on the terminal.
    func testTheTerminalAloneAgreesAndTakesThePhotosWithAnExposureLine() throws {
        guard TerminalSession.isAvailable else { throw XCTSkip("util-linux script is missing") }
        let kit = try RecordingSessionKit(faceAndIDPhotos: true)
        defer { kit.remove() }
        let video = try Self.portraitVideo(in: kit.directory, faceSeconds: 60, thenGraySeconds: 0)
        let terminal = try TerminalSession([ProctorBinary.url.path, "begin", "--exam", kit.examURL.path, "--student", "s1",
                                            "--camera", "file:\(video.path)", "--mic", "test", "--screen", "none", "--no-browser",
                                            "--duration", "3"],
                                           environment: ProcessInfo.processInfo.environment.merging(kit.environment) { $1 })
        var shown = try terminal.waitFor("student page: http://127.0.0.1:")
        shown = try terminal.waitFor("Type 'yes' to agree and start the exam:", after: shown)
        terminal.type("yes\n")
        shown = try terminal.waitFor("Hold your photo ID up to the camera, then press Enter.", after: shown)
        shown = try terminal.waitFor("camera: face found · picture OK", after: shown)
        terminal.type("\n")
        shown = try terminal.waitFor("Look into the camera for your face photo, then press Enter.", after: shown)
        terminal.type("\n")
        shown = try terminal.waitFor("face photo taken", after: shown)
        let status = terminal.finish()
        XCTAssertEqual(status, 0, terminal.transcript)
        let records = try kit.read(try XCTUnwrap(kit.bundles.first)).records
        XCTAssertEqual(records.filter { $0.type == .photo }.count, 2)
        let events = try records.filter { $0.type == .timeline }.map { try RecordingRecords.decodeTimeline(try XCTUnwrap($0.payload)) }
        XCTAssertEqual(events.filter { $0.kind == "session.agreed" }.map(\.subject), ["terminal"])
    }

    // MARK: - Helpers

    /// A 640x480 15 fps video of the portrait for `faceSeconds`, then a flat gray wall.
    static func portraitVideo(in directory: URL, faceSeconds: Double, thenGraySeconds gray: Double) throws -> URL {
        let url = directory.appendingPathComponent("camera.mkv")
        var arguments = ["-v", "error", "-loop", "1", "-t", String(faceSeconds), "-i", portrait.path]
        var filter = "[0:v]scale=640:480,fps=15,setsar=1,format=yuv420p[v]"
        if gray > 0 {
            arguments += ["-f", "lavfi", "-t", String(gray), "-i", "color=c=0x808080:s=640x480:r=15"]
            filter = "[0:v]scale=640:480,fps=15,setsar=1,format=yuv420p[a];[1:v]setsar=1,format=yuv420p[b];[a][b]concat=n=2:v=1[v]"
        }
        arguments += ["-filter_complex", filter, "-map", "[v]", "-c:v", "libx264", "-preset", "ultrafast", "-g", "15", url.path]
        let run = try MediaCheck.run("ffmpeg", arguments)
        guard run.status == 0 else { throw BrowserError("ffmpeg: \(run.err)") }
        return url
    }

    static func firstFrame(of video: URL) throws -> Picture {
        let png = video.deletingLastPathComponent().appendingPathComponent("first.png")
        _ = try MediaCheck.run("ffmpeg", ["-v", "error", "-i", video.path, "-frames:v", "1", png.path])
        return try Picture(image: StillImage.decode(Array(try Data(contentsOf: png)), as: .gray8))
    }

    static func shownSequence(_ browser: Browser) throws -> Int {
        Int(try browser.element("#preview").attribute("data-sequence") ?? "") ?? 0
    }

    /// The preview `<img>` as the page shows it: its pixels drawn into a canvas, as a grid of gray means.
    static func shownPicture(_ browser: Browser) throws -> Picture {
        let cells = try browser.execute("""
            const [columns, rows] = arguments;
            const image = document.getElementById('preview');
            const canvas = document.createElement('canvas');
            canvas.width = image.naturalWidth; canvas.height = image.naturalHeight;
            const context = canvas.getContext('2d');
            context.drawImage(image, 0, 0);
            const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
            const sums = new Array(columns * rows).fill(0), counts = new Array(columns * rows).fill(0);
            for (let y = 0; y < canvas.height; y++) for (let x = 0; x < canvas.width; x++) {
              const i = 4 * (y * canvas.width + x);
              const cell = Math.floor(y * rows / canvas.height) * columns + Math.floor(x * columns / canvas.width);
              sums[cell] += 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
              counts[cell] += 1;
            }
            return sums.map((sum, i) => counts[i] ? sum / counts[i] : 0);
            """, [Picture.columns, Picture.rows]) as? [NSNumber]
        return Picture(cells: try XCTUnwrap(cells).map(\.doubleValue))
    }

    /// Clicks "Take photo" and "Use this photo"; returns the frame the page showed and its JPEG.
    static func takePhoto(_ browser: Browser) throws -> (sequence: Int, picture: Picture, jpeg: [UInt8]) {
        try browser.element("#take").click()
        try browser.waitUntil("the photo to be held") { try browser.element("#use").property("hidden") as? Bool == false }
        let sequence = try shownSequence(browser)
        let picture = try shownPicture(browser)
        // The bytes of the held frame, as the page's server sends them (the page's blob: URL is
        // outside its own CSP's connect-src): the frame is named by its sequence number.
        let fetched = try browser.executeAsync("""
            const done = arguments[arguments.length - 1];
            fetch('/api/preview?after=0').then(async r => {
              const b = new Uint8Array(await r.arrayBuffer());
              let s = ''; for (const x of b) s += String.fromCharCode(x);
              done([r.headers.get('X-Preview-Sequence'), btoa(s)]); }, () => done(null));
            """) as? [String]
        XCTAssertEqual(fetched?.first, String(sequence), "the held frame is the one shown")
        let jpeg = [UInt8](try XCTUnwrap(Data(base64Encoded: try XCTUnwrap(fetched?.last))))
        XCTAssertLessThan(try Picture(jpeg: jpeg).difference(to: picture), 2, "and its pixels are the page's")
        try browser.element("#use").click()
        return (sequence, picture, jpeg)
    }
}

/// A picture as a 64x48 grid of gray means, to compare pictures of different sizes.
struct Picture {
    static let columns = 64, rows = 48
    let cells: [Double]

    init(image: AnalysisImage) {
        var sums = [Double](repeating: 0, count: Self.columns * Self.rows), counts = sums
        let channels = image.format.bytesPerPixel
        for y in 0..<image.height {
            for x in 0..<image.width {
                let cell = (y * Self.rows / image.height) * Self.columns + x * Self.columns / image.width
                sums[cell] += Double(image.pixels[(y * image.width + x) * channels])
                counts[cell] += 1
            }
        }
        cells = zip(sums, counts).map { $1 > 0 ? $0 / $1 : 0 }
    }

    init(jpeg: [UInt8]) throws { self.init(image: try StillImage.decode(jpeg, as: .gray8)) }

    init(cells: [Double]) { self.cells = cells }

    static func flat(_ level: Double) -> Picture { Picture(cells: .init(repeating: level, count: columns * rows)) }

    /// Mean absolute difference per cell, 0...255.
    func difference(to other: Picture) -> Double {
        zip(cells, other.cells).map { abs($0 - $1) }.reduce(0, +) / Double(cells.count)
    }
}

/// `proctor begin` running with its page, stdin not a terminal (the page answers).
final class PageSession {
    let process = Process()
    private let errors = Pipe()
    private var buffer = Data()
    private(set) var stderr = ""

    init(_ arguments: [String], environment: [String: String]) throws {
        process.executableURL = ProctorBinary.url
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }.filter { $0.key != "DISPLAY" }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// The address `begin` prints for the page.
    func pageURL() throws -> URL {
        let handle = errors.fileHandleForReading
        while true {
            if let text = String(data: buffer, encoding: .utf8), let range = text.range(of: "student page: ") {
                let rest = text[range.upperBound...]
                if let end = rest.firstIndex(of: "\n"), let url = URL(string: String(rest[..<end])) { return url }
            }
            let chunk = handle.availableData
            guard !chunk.isEmpty else { throw BrowserError("begin exited without a page: \(String(decoding: buffer, as: UTF8.self))") }
            buffer.append(chunk)
        }
    }

    /// Waits for the exit; the rest of stderr is in `stderr`.
    func wait() -> Int32 {
        buffer.append(errors.fileHandleForReading.readDataToEndOfFile())
        process.waitUntilExit()
        stderr = String(decoding: buffer, as: UTF8.self)
        return process.terminationStatus
    }

    func stop() {
        if process.isRunning { process.terminate() }
    }
}
