import Foundation
import XCTest
import TestTools
@testable import Delivery
@testable import Exam
@testable import ProctorModel
@testable import Report
@testable import Seal

/// `proctor export` on real sealed bundles: written with BundleWriter and the recording payload
/// layouts, opened with a real instructor key file, verified record by record.
final class ExportCommandTests: XCTestCase {
    struct Setup {
        let dir: URL
        let keyFile: URL
        let identity: InstructorIdentity
    }

    private func makeSetup(_ name: String = "prof") throws -> Setup {
        let dir = try ExportFixtures.temporaryDirectory(for: self)
        let identity = try InstructorIdentity.generate(name: name)
        let keyFile = try identity.write(to: dir, passphrase: nil).key
        return Setup(dir: dir, keyFile: keyFile, identity: identity)
    }

    private func header(_ setup: Setup, student: String, start: Date = Date(timeIntervalSince1970: 1_795_000_000),
                        examSHA256: [UInt8] = SHA256.hash(Array("no exam file".utf8))) -> BundleHeader {
        BundleHeader(examId: "chem101-midterm", examFileSHA256: examSHA256,
                     studentId: student, sessionId: UUID().uuidString, startTime: start,
                     recipients: [BundleRecipient(setup.identity.recipientKey)], cipher: .aes256GCM)
    }

    /// A finished one-part bundle: metadata, ID and face photos, the 30 s session recording in
    /// 8 KiB media records, and the flags and a coverage gap interleaved as they would be sealed.
    private func writeBundle(_ setup: Setup, student: String, flags: [(Double, Double, String)],
                             start: Date = Date(timeIntervalSince1970: 1_795_000_000), examSHA256: [UInt8]? = nil) throws -> URL {
        let url = setup.dir.appendingPathComponent("\(student)-chem101-midterm-\(Int(start.timeIntervalSince1970)).proctor")
        let header = self.header(setup, student: student, start: start, examSHA256: examSHA256 ?? SHA256.hash(Array("no exam file".utf8)))
        let writer = try BundleWriter(creating: url, header: header)
        try writer.append(.photo, RecordingRecords.photo(kind: "id", time: 0, jpeg: try ExportFixtures.bytes("grace_hopper.jpg")))
        try writer.append(.photo, RecordingRecords.photo(kind: "face", time: 0, jpeg: try ExportFixtures.bytes("astronaut.jpg")))
        try appendPart(writer, header: header, part: 0, startedAt: header.startTime, media: SessionRecordingFixture.bytes,
                       range: 0...30, flags: flags)
        _ = try writer.finish(mediaDuration: 30)
        return url
    }

    /// One part's records: its metadata, the media in 8 KiB records, and each event sealed once
    /// the recording has passed its end, as the detectors do.
    private func appendPart(_ writer: BundleWriter, header: BundleHeader, part: UInt32, startedAt: Date, media: [UInt8],
                            range: ClosedRange<Double>, flags: [(Double, Double, String)]) throws {
        let metadata = SessionMetadata(software: "proctor test", examId: header.examId, examTitle: "Chemistry midterm",
                                       studentId: header.studentId, part: part, mediaOffset: range.lowerBound, startedAt: startedAt,
                                       sources: ["camera": "test"], camera: "320x240 at 10 fps", screen: nil, microphone: nil,
                                       timeLimitSeconds: 3600, hostname: "test")
        try writer.append(.metadata, RecordingRecords.metadata(metadata))
        var pending = flags.map { start, end, kind in
            TimelineEvent(kind: kind, detector: "test", severity: .flag, start: start, end: end, measured: ["seconds": end - start],
                          thresholds: ["seconds": 2], message: "\(kind) for \(end - start) s.")
        }
        if part == 0 {
            pending.append(TimelineEvent(kind: "light.insufficient", detector: "faces", severity: .coverage, start: 2, end: 4, message: "Too dark."))
        }
        var offset = 0
        while offset < media.count {
            let end = min(media.count, offset + 8192)
            let mediaEnd = range.lowerBound + (range.upperBound - range.lowerBound) * Double(end) / Double(media.count)
            try media[offset..<end].withUnsafeBytes { try writer.append(.media, RecordingRecords.media($0, mediaEnd: mediaEnd)) }
            while let next = pending.firstIndex(where: { ($0.end ?? $0.start) <= mediaEnd }) {
                try writer.append(.timeline, RecordingRecords.timeline(pending.remove(at: next)))
            }
            offset = end
        }
    }

    func testResumedSessionReportsPartsGapAndMediaPerPart() throws {
        let setup = try makeSetup()
        let url = setup.dir.appendingPathComponent("s0000009-chem101-midterm-20261121T100000.proctor")
        // Export accepts a bundle only under an exam file its instructor signed: issue one.
        let exams = setup.dir.appendingPathComponent("exams")
        try FileManager.default.createDirectory(at: exams, withIntermediateDirectories: true)
        let settings = try ExamSettings.parse(toml: "[exam]\nid = \"chem101-midterm\"\ntitle = \"Chemistry midterm\"\ntime_limit_minutes = 60\n",
                                              fileName: "chem101-midterm.toml", baseDirectory: nil)
        let examBytes = try ExamFile.encode(settings, signedBy: setup.identity)
        try Data(examBytes).write(to: exams.appendingPathComponent("chem101-midterm.exam"))
        let header = header(setup, student: "s0000009", examSHA256: SHA256.hash(examBytes))
        do {
            let writer = try BundleWriter(creating: url, header: header)
            try appendPart(writer, header: header, part: 0, startedAt: header.startTime, media: SessionRecordingFixture.bytes,
                           range: 0...30, flags: [(7.05, 12, "face.missing")])
            try writer.sync()
        }   // killed: part 0 has no part-end record
        // Resumed 2 minutes after the start: a 90 s pause; the session clock continues at 30.5 s.
        let resumed = try BundleWriter.resume(at: url)
        try appendPart(resumed, header: header, part: 1, startedAt: header.startTime.addingTimeInterval(120),
                       media: SessionRecordingFixture.make(seconds: 10, offset: 30.5), range: 30.5...40.5,
                       flags: [(33, 35, "audio.speech")])
        _ = try resumed.finish(mediaDuration: 40.5)

        let out = setup.dir.appendingPathComponent("out")
        let run = try CommandLineTool.proctor(["export", url.path, "--key", setup.keyFile.path, "--pdf", "--json", "--media", "-o", out.path,
                                               "--exams", exams.path])
        XCTAssertEqual(run.status, 0, "an interrupted but authentic session is not a failure: \(run.stderr)")
        let page1 = try Tool.pdfText(out.appendingPathComponent("s0000009-chem101-midterm.pdf").path, page: 1)
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
        XCTAssertTrue(page1.contains("INTEGRITY INCOMPLETE"), page1)
        XCTAssertTrue(page1.contains("part 0 ended abruptly"), page1)
        XCTAssertTrue(page1.contains("part 0: 0:00:00–0:00:30"), page1)
        XCTAssertTrue(page1.contains("part 1: 0:00:30–0:00:40"), page1)
        XCTAssertTrue(page1.contains("after part 0: 1 min 30 s"), "gap from the parts' wall-clock starts: \(page1)")
        let all = try Tool.pdfText(out.appendingPathComponent("s0000009-chem101-midterm.pdf").path)
        XCTAssertTrue(all.contains("camera at 0:00:33.0"), "evidence for the part-1 flag comes from part 1's recording: \(all)")

        func chapters(_ name: String) throws -> [String] {
            try Tool.run("ffprobe", ["-v", "error", "-show_entries", "chapter_tags=title", "-of", "csv=p=0", out.appendingPathComponent(name).path])
                .split(separator: "\n").map(String.init)
        }
        XCTAssertEqual(try chapters("s0000009-chem101-midterm-camera-part0.mkv"), ["Flag 1: face.missing at 0:00:07"])
        XCTAssertEqual(try chapters("s0000009-chem101-midterm-camera-part1.mkv"), ["Flag 2: audio.speech at 0:00:33"])
        // Part 1's file keeps session media time (30.5 s to 40.5 s), so its times match the report.
        let format = try Tool.run("ffprobe", ["-v", "error", "-show_entries", "format=start_time,duration", "-of", "csv=p=0",
                                              out.appendingPathComponent("s0000009-chem101-midterm-screen-part1.mkv").path])
            .trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").compactMap { Double($0) }
        XCTAssertEqual(format.count, 2)
        XCTAssertEqual(format.first ?? 0, 30.5, accuracy: 0.1)
        XCTAssertEqual(format.last ?? 0, 40.5, accuracy: 0.6)
    }

    func testTwoBundlesExportReportsAndAClassOverview() async throws {
        let setup = try makeSetup()
        let a = try writeBundle(setup, student: "s0000001", flags: [(7.05, 12, "face.missing")])
        let b = try writeBundle(setup, student: "s0000002", flags: [(5, 20, "face.missing"), (21, 24.5, "audio.speech")])
        let out = setup.dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let result = await Exporter.run([a, b], key: BundleKey(setup.identity), options: ExportOptions(outputDirectory: out))
        XCTAssertEqual(result.bundles.map { $0.error?.message }, [nil, nil])
        XCTAssertEqual(result.bundles.map { $0.integrity?.status }, [.verified, .verified])
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: out.path)), [
            "s0000001-chem101-midterm.pdf", "s0000001-chem101-midterm.json", "s0000001-chem101-midterm.csv",
            "s0000002-chem101-midterm.pdf", "s0000002-chem101-midterm.json", "s0000002-chem101-midterm.csv",
            "class-overview.pdf", "class-overview.json", "class-events.csv",
        ])
        let page1 = try Tool.pdfText(out.appendingPathComponent("s0000002-chem101-midterm.pdf").path, page: 1)
        XCTAssertTrue(page1.contains("INTEGRITY VERIFIED"), page1)
        XCTAssertTrue(page1.contains("s0000002"))
        XCTAssertTrue(page1.contains("chem101-midterm: Chemistry midterm"))
        // No exam file here: the report says so and shows the set-up the session sealed.
        XCTAssertTrue(page1.contains("exam file chem101-midterm.exam not found"), page1)
        XCTAssertTrue(page1.contains("320x240 at 10 fps"), page1)
        let all = try Tool.pdfText(out.appendingPathComponent("s0000002-chem101-midterm.pdf").path)
        XCTAssertTrue(all.contains("face.missing at 0:00:05.0"), all)
        XCTAssertTrue(all.contains("audio.speech at 0:00:21.0"))
        // Both flags have camera and screen evidence; photos too.
        XCTAssertEqual(try Tool.pdfImages(out.appendingPathComponent("s0000002-chem101-midterm.pdf").path).map(\.encoding),
                       Array(repeating: "jpeg", count: 6))
        // The class overview puts the student with more flagged time first.
        let overview = try Tool.pdfText(out.appendingPathComponent("class-overview.pdf").path)
        let first = try XCTUnwrap(overview.range(of: "s0000002")), second = try XCTUnwrap(overview.range(of: "s0000001"))
        XCTAssertLessThan(first.lowerBound, second.lowerBound, overview)
        // Each student's JSON carries its place in the class: 2 students, so no z-score.
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("s0000002-chem101-midterm.json"))) as? [String: Any])
        let standing = try XCTUnwrap(json["classStanding"] as? [String: Any])
        XCTAssertEqual(standing["rank"] as? Int, 1)
        XCTAssertEqual(standing["classSize"] as? Int, 2)
        XCTAssertEqual(standing["percentile"] as? Double, 75)
        XCTAssertNil(standing["zScore"])
        let csv = try String(contentsOf: out.appendingPathComponent("class-events.csv"), encoding: .utf8)
        XCTAssertEqual(csv.components(separatedBy: "\r\n").filter { $0.contains(",flag,") }.count, 3)
    }

    func testExamFileSettingsAccommodationsAndWeightsDriveTheReport() throws {
        let setup = try makeSetup()
        // The documented example exam, with an accommodation for this student.
        var toml = try String(contentsOf: ExportFixtures.directory.appendingPathComponent("../../../docs/examples/chem101-midterm.toml").standardized,
                              encoding: .utf8)
        toml += "\n[[accommodation]]\nstudent = \"s0000007\"\nextra_time_factor = 1.25\nexempt = [\"audio_speech\"]\n"
        let tomlURL = setup.dir.appendingPathComponent("chem101-midterm.toml")
        try toml.write(to: tomlURL, atomically: true, encoding: .utf8)
        let examBytes = try ExamFile.encode(try ExamSettings.load(settings: tomlURL), signedBy: setup.identity)
        let examDir = setup.dir.appendingPathComponent("exams")
        try FileManager.default.createDirectory(at: examDir, withIntermediateDirectories: true)
        try Data(examBytes).write(to: examDir.appendingPathComponent("chem101-midterm.exam"))
        let url = try writeBundle(setup, student: "s0000007", flags: [(7.05, 12, "face.missing"), (21, 24.5, "audio.speech")],
                                  examSHA256: SHA256.hash(examBytes))
        let out = setup.dir.appendingPathComponent("out")
        let run = try CommandLineTool.proctor(["export", url.path, "--key", setup.keyFile.path, "--pdf", "-o", out.path],
                                              environment: ["PROCTOR_EXAM_DIR": examDir.path])
        XCTAssertEqual(run.status, 0, run.stderr)
        let page1 = try Tool.pdfText(out.appendingPathComponent("s0000007-chem101-midterm.pdf").path, page: 1)
        XCTAssertTrue(page1.contains("discord, teamviewer, anydesk"), page1)
        XCTAssertTrue(page1.contains("25% extra time"), page1)
        XCTAssertTrue(page1.contains("not checked: audio.speech"), page1)
        XCTAssertTrue(page1.contains("weight 2, sensitivity 0.5, at least 5 s"), page1)
        XCTAssertTrue(page1.contains("1 h 52 min"), "90 min time limit with 25% extra: \(page1)")
        // face.missing: 4.95 s of the 30 s session at weight 2 is 100·(1 − (1 − 0.165)²) = 30;
        // audio.speech is shown but the student is exempt from it, so it scores nothing.
        XCTAssertTrue(page1.contains("Suspicion score: 30 / 100"), page1)
        let speech = try XCTUnwrap(page1.split(separator: "\n").first { $0.hasPrefix("audio.speech") })
        XCTAssertTrue(speech.hasSuffix("0.0"), String(speech))
    }

    func testTwoSessionsOfOneStudentDoNotOverwriteEachOther() async throws {
        let setup = try makeSetup()
        let first = try writeBundle(setup, student: "s0000006", flags: [])
        let retake = try writeBundle(setup, student: "s0000006", flags: [(5, 9, "face.missing")],
                                     start: Date(timeIntervalSince1970: 1_795_086_400))
        let out = setup.dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let result = await Exporter.run([first, retake], key: BundleKey(setup.identity), options: ExportOptions(pdf: true, outputDirectory: out))
        XCTAssertEqual(result.bundles.map { $0.files.map(\.lastPathComponent) },
                       [["s0000006-chem101-midterm-20261118T110640.pdf"], ["s0000006-chem101-midterm-20261119T110640.pdf"]])
    }

    func testTamperedBundleExportsWhatVerifiedStatesFailureAndExits65() throws {
        let setup = try makeSetup()
        let url = try writeBundle(setup, student: "s0000003", flags: [(7.05, 12, "face.missing"), (25, 27, "audio.speech")])
        var bytes = [UInt8](try Data(contentsOf: url))
        // Flip one bit about 70% into the file: inside a sealed media record, after the first flag.
        bytes[bytes.count * 7 / 10] ^= 0x01
        try Data(bytes).write(to: url)
        let out = setup.dir.appendingPathComponent("out")
        let run = try CommandLineTool.proctor(["export", url.path, "--key", setup.keyFile.path, "--pdf", "--json", "-o", out.path])
        XCTAssertEqual(run.status, 65, run.stderr)
        XCTAssertTrue(run.stderr.contains("INTEGRITY FAILED"), run.stderr)
        let pdf = out.appendingPathComponent("s0000003-chem101-midterm.pdf").path
        XCTAssertEqual(run.stdout.split(separator: "\n").map(String.init), [pdf, out.appendingPathComponent("s0000003-chem101-midterm.json").path])
        let page1 = try Tool.pdfText(pdf, page: 1)
        XCTAssertTrue(page1.contains("INTEGRITY FAILED: 1 record(s) rejected"), page1)
        XCTAssertTrue(page1.contains("failed authentication"), page1)
        // What verified before the damage is still there: the first flag with its evidence.
        let all = try Tool.pdfText(pdf)
        XCTAssertTrue(all.contains("face.missing at 0:00:07.0"), all)
        XCTAssertFalse(all.contains("audio.speech at"), "sealed after the damaged record: not trusted, not shown")
        XCTAssertGreaterThanOrEqual(try Tool.pdfImages(pdf).count, 3)
    }

    func testWrongKeyAndMissingBundleExitCodes() throws {
        let setup = try makeSetup()
        let url = try writeBundle(setup, student: "s0000004", flags: [])
        let other = try makeSetup("other")
        let wrong = try CommandLineTool.proctor(["export", url.path, "--key", other.keyFile.path, "-o", setup.dir.appendingPathComponent("o1").path])
        XCTAssertEqual(wrong.status, 77, wrong.stderr)
        XCTAssertTrue(wrong.stderr.contains("not sealed for this key"), wrong.stderr)
        let missing = try CommandLineTool.proctor(["export", setup.dir.appendingPathComponent("nope.proctor").path, "--key", setup.keyFile.path,
                                                   "-o", setup.dir.appendingPathComponent("o2").path])
        XCTAssertEqual(missing.status, 66, missing.stderr)
        XCTAssertEqual(try CommandLineTool.proctor(["export", "--key", setup.keyFile.path]).status, 64, "no bundle named")
        XCTAssertEqual(missing.stderr.split(separator: "\n").count, 1, "one clear line: \(missing.stderr)")
    }

    func testPurgeDeletesOnlyExpiredBundlesAndListsThem() throws {
        let setup = try makeSetup()
        let old = try writeBundle(setup, student: "s0000005", flags: [])  // started 2026-11-18, days before "now"
        let other = setup.dir.appendingPathComponent("notes.txt")
        try Data("not a bundle".utf8).write(to: other)
        let dry = try CommandLineTool.proctor(["purge", setup.dir.path, "--older-than", "1", "--dry-run"])
        XCTAssertEqual(dry.status, 0, dry.stderr)
        XCTAssertTrue(dry.stdout.hasPrefix("would delete \(old.path)"), dry.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: old.path))
        let keep = try CommandLineTool.proctor(["purge", setup.dir.path, "--older-than", "3650"])
        XCTAssertEqual(keep.stdout, "")
        // Without --older-than the exam's retention decides; its exam file is not to be found here.
        let unknown = try CommandLineTool.proctor(["purge", setup.dir.path], environment: ["PROCTOR_EXAM_DIR": setup.dir.path])
        XCTAssertTrue(unknown.stderr.contains("no retention known for exam chem101-midterm"), unknown.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: old.path))
        let real = try CommandLineTool.proctor(["purge", setup.dir.path, "--older-than", "1"])
        XCTAssertEqual(real.stdout.split(separator: "\n").count, 1)
        XCTAssertTrue(real.stdout.hasPrefix("deleted \(old.path)"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: old.path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: other.path))
    }
}

extension ExportCommandTests {
    /// A student's own recording (session state beside it) is kept past retention until a
    /// delivery receipt shows the institution has it; then it goes, with its receipt and state.
    func testPurgeKeepsARecordingThatWasNeverDelivered() throws {
        let setup = try makeSetup()
        let local = try writeBundle(setup, student: "s0000006", flags: [])
        let state = URL(fileURLWithPath: local.path + ".state"), receipt = URL(fileURLWithPath: local.path + ".receipt.json")
        try Data("{}".utf8).write(to: state)

        let kept = try CommandLineTool.proctor(["purge", setup.dir.path, "--older-than", "1"])
        XCTAssertEqual(kept.status, 0, kept.stderr)
        XCTAssertEqual(kept.stdout, "")
        XCTAssertTrue(kept.stderr.contains("kept \(local.lastPathComponent)") && kept.stderr.contains("never delivered"), kept.stderr)
        XCTAssertEqual(kept.stderr.split(separator: "\n").count, 1, kept.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: local.path))

        // A receipt from a destination that was read back (an unreadable or acknowledged-only one keeps it).
        try Data("{}".utf8).write(to: receipt)
        XCTAssertTrue(try CommandLineTool.proctor(["purge", setup.dir.path, "--older-than", "1"]).stderr.contains("never delivered"))
        try DeliveryReceipt(bundle: local.lastPathComponent, sha256: String(repeating: "0", count: 64), size: 1, destination: "https://x/",
                            location: "https://x/\(local.lastPathComponent)", layout: .whole, segments: 1, verification: .range,
                            bytesSent: 1, bytesAlreadyThere: 0, retries: 0, deliveredAt: Date()).encoded().write(to: receipt)
        let purged = try CommandLineTool.proctor(["purge", setup.dir.path, "--older-than", "1"])
        XCTAssertEqual(purged.status, 0, purged.stderr)
        XCTAssertTrue(purged.stdout.hasPrefix("deleted \(local.path)"), purged.stdout)
        for file in [local, state, receipt] { XCTAssertFalse(FileManager.default.fileExists(atPath: file.path), file.lastPathComponent) }

        let again = try writeBundle(setup, student: "s0000007", flags: [])
        try Data("{}".utf8).write(to: URL(fileURLWithPath: again.path + ".state"))
        let forced = try CommandLineTool.proctor(["purge", setup.dir.path, "--older-than", "1", "--include-undelivered"])
        XCTAssertTrue(forced.stdout.hasPrefix("deleted \(again.path)"), forced.stdout + forced.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: again.path + ".state"))
    }
}

/// Runs the built `proctor` executable (it sits next to the test bundle in the build folder).
enum CommandLineTool {
    struct Run { let status: Int32; let stdout: String; let stderr: String }

    static var binary: URL {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var binary = dir.appendingPathComponent("proctor")
        for _ in 0..<4 where !FileManager.default.isExecutableFile(atPath: binary.path) {
            dir.deleteLastPathComponent()
            binary = dir.appendingPathComponent("proctor")
        }
        return binary
    }

    static func proctor(_ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                   stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// Decrypted data never outlives the export process, and the process never dumps its secrets.
extension ExportCommandTests {
    /// Every file in `folder` and below.
    private func files(in folder: URL) -> [String] {
        (FileManager.default.enumerator(atPath: folder.path)?.allObjects as? [String]) ?? []
    }

    /// The export is killed while it holds the decrypted spool open: /proc shows the spool as a
    /// file without a name, the core limit is 0, and after SIGKILL nothing is left anywhere.
    func testKilledExportLeavesNoPlaintextAndCannotDumpCore() throws {
        let setup = try makeSetup()
        let url = try writeBundle(setup, student: "s0000008", flags: [(7.05, 12, "face.missing")])
        let out = setup.dir.appendingPathComponent("out"), tmp = setup.dir.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = CommandLineTool.binary
        process.arguments = ["export", url.path, "--key", setup.keyFile.path, "--pdf", "--json", "-o", out.path]
        process.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": tmp.path]) { _, new in new }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        // Wait for the decrypted spool: an open descriptor into the output folder with no name.
        var spool: String?, limits = ""
        let deadline = Date().addingTimeInterval(60)
        while spool == nil, process.isRunning, Date() < deadline {
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
            spool = fds.lazy.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)") }
                .first { $0.hasPrefix(out.path + "/") && $0.hasSuffix(" (deleted)") }
            if spool != nil { limits = (try? String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)) ?? "" } else { usleep(1000) }
        }
        kill(pid, SIGKILL)
        process.waitUntilExit()
        let spoolPath = try XCTUnwrap(spool, "the export never held a nameless spool open")
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)
        let core = try XCTUnwrap(limits.split(separator: "\n").first { $0.hasPrefix("Max core file size") })
        XCTAssertEqual(core.split(separator: " ", omittingEmptySubsequences: true).dropFirst(4).prefix(2), ["0", "0"], String(core))
        XCTAssertFalse(FileManager.default.fileExists(atPath: String(spoolPath.dropLast(" (deleted)".count))))
        XCTAssertEqual(files(in: out), [], "no spool, no partial report in the output folder")
        XCTAssertEqual(files(in: tmp), [], "nothing in TMPDIR")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: setup.dir.path).sorted(),
                       [url.lastPathComponent, setup.keyFile.lastPathComponent, "out", "prof.pub", "tmp"].sorted())
    }

    /// A disk that fills while the PDF is written: exit 74, one line, and no file of any name
    /// (cairo used to abort on an assertion, exit 134, leaving a 0-byte PDF).
    func testDiskFullDuringPDFExits74AndLeavesNoFile() throws {
        let setup = try makeSetup()
        // Under an exam file its instructor signed, so that export has nothing to refuse but the disk.
        let exams = setup.dir.appendingPathComponent("exams")
        try FileManager.default.createDirectory(at: exams, withIntermediateDirectories: true)
        let settings = try ExamSettings.parse(toml: "[exam]\nid = \"chem101-midterm\"\ntitle = \"Chemistry midterm\"\ntime_limit_minutes = 60\n",
                                              fileName: "chem101-midterm.toml", baseDirectory: nil)
        let examBytes = try ExamFile.encode(settings, signedBy: setup.identity)
        try Data(examBytes).write(to: exams.appendingPathComponent("chem101-midterm.exam"))
        let url = try writeBundle(setup, student: "s0000009", flags: [(7.05, 12, "face.missing"), (20, 24, "face.multiple")],
                                  examSHA256: SHA256.hash(examBytes))
        // Measure first: the spool must fit, the PDF must not.
        let measure = setup.dir.appendingPathComponent("measure")
        let full = try CommandLineTool.proctor(["export", url.path, "--key", setup.keyFile.path, "--pdf", "--media", "-o", measure.path,
                                                "--exams", exams.path])
        XCTAssertEqual(full.status, 0, full.stderr)
        let sizes = try files(in: measure).map { try FileManager.default.attributesOfItem(atPath: measure.appendingPathComponent($0).path)[.size] as! Int }
        let pdfSize = try FileManager.default.attributesOfItem(atPath: measure.appendingPathComponent("s0000009-chem101-midterm.pdf").path)[.size] as! Int
        let mediaSize = sizes.reduce(0, +) - pdfSize
        XCTAssertGreaterThan(pdfSize, 64 << 10, "the report is large enough to cut")
        let disk = try SmallFileSystem(kibibytes: (mediaSize + pdfSize / 2) / 1024)
        let run = try CommandLineTool.proctor(["export", url.path, "--key", setup.keyFile.path, "--pdf", "-o", disk.folder.path,
                                               "--exams", exams.path])
        XCTAssertEqual(run.status, 74, run.stderr)
        XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, run.stderr)
        XCTAssertEqual(run.stderr, "proctor: \(url.lastPathComponent): writing the PDF \(disk.folder.path)/s0000009-chem101-midterm.pdf failed: No space left on device\n")
        XCTAssertEqual(files(in: disk.folder), [])
    }
}
