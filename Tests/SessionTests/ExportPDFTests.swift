import Foundation
import XCTest
@testable import ProctorModel
@testable import Report

/// Renders real PDFs with cairo and pango and reads them back with poppler's tools.
final class ExportPDFTests: XCTestCase {
    func testReportStatesFactsFlagsAndIntegrityReadableByPdftotext() throws {
        let dir = try ExportFixtures.temporaryDirectory(for: self)
        let path = dir.appendingPathComponent("report.pdf").path
        let model = try ExportFixtures.sampleModel()
        let pages = try ReportPDF.write(model, to: path)

        let info = try Tool.pdfInfo(path)
        XCTAssertEqual(info["Pages"], "\(pages.count)")
        XCTAssertEqual(pages, ReportPDF.Pages(count: 3, flaggedEvents: 2), "summary; identity, timeline and first flag; more flags")
        XCTAssertEqual(info["Title"], "Exam session report: s1234567, math101-final")
        XCTAssertEqual(info["Author"], "proctor \(ReportPDF.generatorVersion)")

        let page1 = try Tool.pdfText(path, page: 1)
        XCTAssertTrue(page1.contains("INTEGRITY VERIFIED: all 812 records authentic and complete"), page1)
        XCTAssertTrue(page1.contains("s1234567 (Ada Example)"))
        XCTAssertTrue(page1.contains("math101-final: Calculus final"))
        XCTAssertTrue(page1.contains("Suspicion score: 42 / 100"))
        XCTAssertTrue(page1.contains("2026-11-18 11:06:40 UTC"), "start date in UTC")
        XCTAssertTrue(page1.contains("after part 1: 5 min 00 s"), "the gap between the parts")
        XCTAssertTrue(page1.contains("25% extra time"))
        XCTAssertTrue(page1.contains("95%"), "faces coverage 2280/2400")

        let all = try Tool.pdfText(path)
        for (kind, time) in [("face.missing", "0:12:34.2"), ("voice.detected", "0:25:00.0"), ("face.multiple", "0:35:00.5")] {
            XCTAssertTrue(all.contains("\(kind) at \(time)"), "\(kind) at \(time) missing in:\n\(all)")
        }
        XCTAssertTrue(all.contains("Flagged events (3)"))
        XCTAssertFalse(all.contains("Flag 4 of"), "coverage and info events are not flags")
        XCTAssertTrue(all.contains("No face was visible for 15.6 s."))
    }

    /// A reviewer reads each measured value on the same line as the threshold it was judged
    /// against, even when the detector names them differently (meanLuma vs minimumLuma).
    func testMeasuredValuesStandBesideTheirThresholds() throws {
        let dir = try ExportFixtures.temporaryDirectory(for: self)
        let path = dir.appendingPathComponent("report.pdf").path
        var model = try ExportFixtures.sampleModel()
        model.timeline.append(TimelineEvent(kind: "camera.blocked", detector: "camera", severity: .flag, start: 2200, end: 2212,
                                            measured: ["meanLuma": 3.5, "blackShare": 0.99],
                                            thresholds: ["maximumLuma": 16, "minimumSeconds": 5],
                                            message: "The picture was black for 12 s."))
        _ = try ReportPDF.write(model, to: path)
        let lines = try Tool.pdfText(path).split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains { $0.contains("meanLuma") && $0.contains("3.5") && $0.contains("maximumLuma") && $0.contains("16") },
                      lines.filter { $0.contains("Luma") }.joined(separator: "\n"))
        XCTAssertTrue(lines.contains { $0.contains("duration") && $0.contains("12") && $0.contains("minimumSeconds") },
                      lines.filter { $0.contains("Seconds") }.joined(separator: "\n"))
        XCTAssertTrue(lines.contains { $0.contains("blackShare") && !$0.contains("Luma") })
    }

    func testPhotosAndEvidenceAreEmbeddedAsJPEGStreams() throws {
        let dir = try ExportFixtures.temporaryDirectory(for: self)
        let path = dir.appendingPathComponent("report.pdf").path
        try ReportPDF.write(try ExportFixtures.sampleModel(), to: path)
        let images = try Tool.pdfImages(path)
        // ID photo 512x600 and face photo 512x512 on page 2, then three evidence frames 320x240
        // (two for the first flag, one for the second) wherever the flags fall.
        XCTAssertEqual(images.map(\.encoding), Array(repeating: "jpeg", count: 5), "\(images)")
        XCTAssertEqual(images.prefix(2).map { "p\($0.page) \($0.width)x\($0.height)" }, ["p2 512x600", "p2 512x512"])
        XCTAssertEqual(images.dropFirst(2).filter { $0.width == 320 && $0.height == 240 }.count, 3)
    }

    func testFontsAreEmbeddedAndTextIsSelectable() throws {
        let dir = try ExportFixtures.temporaryDirectory(for: self)
        let path = dir.appendingPathComponent("report.pdf").path
        try ReportPDF.write(try ExportFixtures.sampleModel(), to: path)
        let fonts = try Tool.run("pdffonts", [path]).split(separator: "\n").dropFirst(2)
        XCTAssertFalse(fonts.isEmpty)
        for font in fonts {
            let fields = font.split(separator: " ", omittingEmptySubsequences: true)
            // Columns from the right: ... emb sub uni object ID
            XCTAssertEqual(fields[fields.count - 5], "yes", "font not embedded: \(font)")
            XCTAssertEqual(fields[fields.count - 3], "yes", "no ToUnicode map, text would not copy: \(font)")
        }
    }

    func testFailedIntegrityIsStatedOnPageOne() throws {
        let dir = try ExportFixtures.temporaryDirectory(for: self)
        let path = dir.appendingPathComponent("report.pdf").path
        let failed = ReportModel.Integrity(verified: false, recordsVerified: 640, recordsRejected: 2,
                                           problems: ["record 641 (media) failed authentication", "the final record is missing"])
        try ReportPDF.write(try ExportFixtures.sampleModel(integrity: failed), to: path)
        // Words joined with single spaces: the failure box wraps its lines anywhere.
        let page1 = try Tool.pdfText(path, page: 1).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        XCTAssertTrue(page1.contains("INTEGRITY FAILED: 2 record(s) rejected, 640 verified: record 641 (media) failed authentication"), page1)
        XCTAssertTrue(page1.contains("record 641 (media) failed authentication"))
        XCTAssertTrue(page1.contains("the final record is missing"))
        XCTAssertEqual(try Tool.pdfInfo(path)["Subject"]?.hasPrefix("INTEGRITY FAILED"), true)
    }

    func testJPEGHeaderReadsSizeAndRejectsOtherData() throws {
        XCTAssertEqual(JPEGHeader(try ExportFixtures.bytes("grace_hopper.jpg")), JPEGHeader(width: 512, height: 600, components: 3))
        XCTAssertNil(JPEGHeader(Array("%PDF-1.5".utf8)))
        XCTAssertThrowsError(try PDFJPEG([0xFF, 0xD8, 0xFF, 0xD9])) { error in
            XCTAssertEqual((error as? ProctorError)?.code, .badData)
        }
    }
}
