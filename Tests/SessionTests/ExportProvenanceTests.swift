import Foundation
import XCTest
@testable import Exam
@testable import ProctorModel
@testable import Report
@testable import Seal

/// What a report claims about where a bundle comes from (issue 13): integrity is not
/// provenance, the exam file is found by its hash and accepted only from a trusted signer, a
/// flag that had started survives a cut bundle, and two sessions never share a report name.
/// Every bundle here is written with BundleWriter from public inputs only, as a student who
/// controls the computer could.
final class ExportProvenanceTests: XCTestCase {
    struct Setup {
        let dir: URL
        let keyFile: URL
        let instructor: InstructorIdentity
        let exams: URL
    }

    private func makeSetup() throws -> Setup {
        let dir = try ExportFixtures.temporaryDirectory(for: self)
        let instructor = try InstructorIdentity.generate(name: "prof")
        let keyFile = try instructor.write(to: dir, passphrase: nil).key
        let exams = dir.appendingPathComponent("exams")
        try FileManager.default.createDirectory(at: exams, withIntermediateDirectories: true)
        return Setup(dir: dir, keyFile: keyFile, instructor: instructor, exams: exams)
    }

    /// `chem101-midterm` signed by `signer`, written into `folder`; returns its bytes.
    @discardableResult
    private func issueExam(_ setup: Setup, signedBy signer: InstructorIdentity, extra: String = "", into folder: URL) throws -> [UInt8] {
        let toml = "[exam]\nid = \"chem101-midterm\"\ntitle = \"Chemistry midterm\"\ntime_limit_minutes = 60\n" + extra
        var settings = try ExamSettings.parse(toml: toml, fileName: "chem101-midterm.toml", baseDirectory: nil)
        settings.recipients = [setup.instructor.recipientKey]
        let bytes = try ExamFile.encode(settings, signedBy: signer)
        try Data(bytes).write(to: folder.appendingPathComponent("chem101-midterm.exam"))
        return bytes
    }

    /// A one-part, 30 s bundle sealed for the instructor's public key under the exam whose bytes
    /// are `exam`. `events` are (record, sealed after media time) pairs. `cutAfterMedia`: the
    /// file size once the media is all sealed, before the last events and the final record.
    private func writeBundle(_ setup: Setup, name: String, exam: [UInt8], student: String = "s0000001",
                             start: Date = Date(timeIntervalSince1970: 1_795_000_000),
                             events: [(TimelineEvent, Double)]) throws -> (url: URL, sizeAfterMedia: Int) {
        let url = setup.dir.appendingPathComponent(name)
        let header = BundleHeader(examId: "chem101-midterm", examFileSHA256: SHA256.hash(exam), studentId: student,
                                  sessionId: UUID().uuidString.lowercased(), startTime: start,
                                  recipients: [BundleRecipient(setup.instructor.recipientKey)], cipher: .aes256GCM)
        let writer = try BundleWriter(creating: url, header: header)
        let metadata = SessionMetadata(software: "forged", examId: "chem101-midterm", examTitle: "Chemistry midterm", studentId: student,
                                       part: 0, mediaOffset: 0, startedAt: start, sources: ["camera": "v4l2:/dev/video0"],
                                       camera: "320x240 at 10 fps", timeLimitSeconds: 3600, hostname: "student-laptop")
        try writer.append(.metadata, RecordingRecords.metadata(metadata))
        var pending = events
        let media = SessionRecordingFixture.bytes
        var offset = 0
        while offset < media.count {
            let end = min(media.count, offset + 8192)
            let mediaEnd = 30 * Double(end) / Double(media.count)
            try media[offset..<end].withUnsafeBytes { try writer.append(.media, RecordingRecords.media($0, mediaEnd: mediaEnd)) }
            while let next = pending.firstIndex(where: { $0.1 <= mediaEnd }) {
                try writer.append(.timeline, RecordingRecords.timeline(pending.remove(at: next).0))
            }
            offset = end
        }
        try writer.sync()
        let size = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int)
        for (event, _) in pending { try writer.append(.timeline, RecordingRecords.timeline(event)) }
        _ = try writer.finish(mediaDuration: 30)
        return (url, size)
    }

    private func flag(_ kind: String, _ start: Double, _ end: Double?, open: Bool? = nil) -> TimelineEvent {
        TimelineEvent(kind: kind, detector: "faces", severity: .flag, start: start, end: end, evidenceTime: start + 0.5,
                      measured: end == nil ? ["secondsSoFar": 5] : [:], thresholds: ["minimumSeconds": 5],
                      message: "No face was visible.", open: open)
    }

    private func json(_ url: URL) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    private func flat(_ text: String) -> String { text.split(whereSeparator: \.isWhitespace).joined(separator: " ") }

    /// Attack 1: a bundle written from scratch (public exam file and public key only) seals
    /// perfectly. The report says so, and says just as plainly that nothing attests its origin.
    func testFabricatedBundleIsIntactButItsOriginIsNotAttested() throws {
        let setup = try makeSetup()
        let exam = try issueExam(setup, signedBy: setup.instructor, into: setup.exams)
        let bundle = try writeBundle(setup, name: "forged.proctor", exam: exam, events: []).url
        let out = setup.dir.appendingPathComponent("out")
        let run = try CommandLineTool.proctor(["export", bundle.path, "--key", setup.keyFile.path, "--pdf", "--json", "-o", out.path,
                                               "--exams", setup.exams.path])
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try json(out.appendingPathComponent("s0000001-chem101-midterm.json"))
        let integrity = try XCTUnwrap(report["integrity"] as? [String: Any])
        XCTAssertEqual(integrity["status"] as? String, "verified")
        let provenance = try XCTUnwrap(report["provenance"] as? [String: Any])
        XCTAssertEqual(provenance["originAttested"] as? Bool, false)
        XCTAssertTrue(provenance["attestation"] is NSNull, "the slot for a server's attestation is there, and empty: \(provenance)")
        XCTAssertEqual((provenance["exam"] as? [String: Any])?["status"] as? String, "trusted")
        XCTAssertEqual(report["practice"] as? Bool, false)
        let page1 = flat(try Tool.pdfText(out.appendingPathComponent("s0000001-chem101-midterm.pdf").path, page: 1))
        XCTAssertTrue(page1.contains("INTEGRITY VERIFIED"), page1)
        XCTAssertTrue(page1.contains("ORIGIN NOT ATTESTED"), page1)
        XCTAssertTrue(page1.contains("EXAM ISSUED BY A TRUSTED INSTRUCTOR"), page1)
        XCTAssertTrue(page1.contains("your key (prof)"), page1)

        let verify = try CommandLineTool.proctor(["verify", bundle.path, "--json"])
        XCTAssertEqual(verify.status, 0, verify.stderr)
        let verified = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(verify.stdout.utf8)) as? [String: Any])
        let verifyProvenance = try XCTUnwrap(verified["provenance"] as? [String: Any])
        XCTAssertEqual(verifyProvenance["originAttested"] as? Bool, false)
        XCTAssertTrue(verifyProvenance["attestation"] is NSNull)
        let text = try CommandLineTool.proctor(["verify", bundle.path])
        XCTAssertTrue(text.stdout.contains("origin:     not attested"), text.stdout)
    }

    /// Attack 3: the student signs their own exam with the same id (face checks off), the real
    /// instructor as recipient, and plants it beside the bundle. Export finds it by hash, sees an
    /// untrusted signer, ignores its weights and exits 65; trusting that key explicitly accepts it.
    func testSelfSignedExamIsNotTrustedAndLendsNoWeights() throws {
        let setup = try makeSetup()
        let student = try InstructorIdentity.generate(name: "student")
        let inbox = setup.dir.appendingPathComponent("inbox")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        let planted = try issueExam(setup, signedBy: student, extra: "\n[detectors.face_missing]\nenabled = false\n", into: inbox)
        let bundle = try writeBundle(setup, name: "s0000001.proctor", exam: planted, events: [(flag("face.missing", 5, 20), 20)]).url
        let out = setup.dir.appendingPathComponent("out")
        let run = try CommandLineTool.proctor(["export", bundle.path, "--key", setup.keyFile.path, "--pdf", "--json", "-o", out.path,
                                               "--exams", inbox.path], environment: ["XDG_CONFIG_HOME": setup.dir.path])
        XCTAssertEqual(run.status, 65, run.stderr)
        XCTAssertTrue(run.stderr.contains("exam not issued by a trusted instructor"), run.stderr)
        let page1 = flat(try Tool.pdfText(out.appendingPathComponent("s0000001-chem101-midterm.pdf").path, page: 1))
        XCTAssertTrue(page1.contains("EXAM NOT ISSUED BY A TRUSTED INSTRUCTOR"), page1)
        XCTAssertTrue(page1.contains("signed by student"), page1)
        let report = try json(out.appendingPathComponent("s0000001-chem101-midterm.json"))
        let exam = try XCTUnwrap((report["provenance"] as? [String: Any])?["exam"] as? [String: Any])
        XCTAssertEqual(exam["status"] as? String, "untrusted")
        XCTAssertEqual(exam["signer"] as? String, "student")
        // Default weights: 15 s of 30 s without a face at weight 1 scores 50, not the planted 0.
        XCTAssertEqual((report["suspicion"] as? [String: Any])?["score"] as? Double, 50)

        // The instructor may choose to trust that key, by file or in the trusted-keys folder.
        let pub = try student.write(to: setup.dir, passphrase: nil).pub
        let trusted = try CommandLineTool.proctor(["export", bundle.path, "--key", setup.keyFile.path, "--json", "-o", out.path,
                                                   "--exams", inbox.path, "--trust", pub.path], environment: ["XDG_CONFIG_HOME": setup.dir.path])
        XCTAssertEqual(trusted.status, 0, trusted.stderr)
        let folder = setup.dir.appendingPathComponent("proctor/trusted")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: pub, to: folder.appendingPathComponent("student.pub"))
        let byFolder = try CommandLineTool.proctor(["export", bundle.path, "--key", setup.keyFile.path, "--json", "-o", out.path,
                                                    "--exams", inbox.path], environment: ["XDG_CONFIG_HOME": setup.dir.path])
        XCTAssertEqual(byFolder.status, 0, byFolder.stderr)
        let accepted = try json(out.appendingPathComponent("s0000001-chem101-midterm.json"))
        let issuer = try XCTUnwrap((accepted["provenance"] as? [String: Any])?["exam"] as? [String: Any])
        XCTAssertEqual(issuer["status"] as? String, "trusted")
        XCTAssertEqual(issuer["trustedAs"] as? String, folder.appendingPathComponent("student.pub").path)
    }

    /// A file named after the exam id, but not the exam the bundle ran under, is not used: the
    /// exam is found by hash, and a bundle whose exam is nowhere is exit 65 too.
    func testExamIsFoundByHashNeverByTheHeaderName() throws {
        let setup = try makeSetup()
        let real = try issueExam(setup, signedBy: setup.instructor, into: setup.dir)   // kept outside every exam folder
        try issueExam(setup, signedBy: setup.instructor, extra: "\n[detectors.face_missing]\nweight = 0\n", into: setup.exams)
        let bundle = try writeBundle(setup, name: "s0000001.proctor", exam: real, events: [(flag("face.missing", 5, 20), 20)]).url
        let out = setup.dir.appendingPathComponent("out")
        let run = try CommandLineTool.proctor(["export", bundle.path, "--key", setup.keyFile.path, "--json", "-o", out.path,
                                               "--exams", setup.exams.path], environment: ["HOME": setup.exams.path])
        XCTAssertEqual(run.status, 65, run.stderr)
        let report = try json(out.appendingPathComponent("s0000001-chem101-midterm.json"))
        let exam = try XCTUnwrap((report["provenance"] as? [String: Any])?["exam"] as? [String: Any])
        XCTAssertEqual(exam["status"] as? String, "notFound")
        XCTAssertEqual((report["suspicion"] as? [String: Any])?["score"] as? Double, 50, "default weights, not the look-alike's 0")
    }

    /// Attack 4: a flag sealed open when it started, whose closing record was cut off with the
    /// end of the file, still shows, runs to the end of the part's media, and is scored.
    func testBundleCutBeforeItsFinalRecordStillShowsTheFlagThatHadStarted() throws {
        let setup = try makeSetup()
        let exam = try issueExam(setup, signedBy: setup.instructor, into: setup.exams)
        let written = try writeBundle(setup, name: "s0000001.proctor", exam: exam,
                                      events: [(flag("face.missing", 10, nil, open: true), 15), (flag("face.missing", 10, 29), 99)])
        let out = setup.dir.appendingPathComponent("whole")
        // Whole, the closing event supersedes the open one: one flag, 10 s to 29 s.
        XCTAssertEqual(try CommandLineTool.proctor(["export", written.url.path, "--key", setup.keyFile.path, "--json", "--pdf", "-o", out.path,
                                                    "--exams", setup.exams.path]).status, 0)
        let whole = try XCTUnwrap(try json(out.appendingPathComponent("s0000001-chem101-midterm.json"))["timeline"] as? [[String: Any]])
            .filter { $0["kind"] as? String == "face.missing" }
        XCTAssertEqual(whole.count, 1)
        XCTAssertEqual(whole.first?["end"] as? Double, 29)
        XCTAssertEqual(whole.first?["open"] as? Bool, false)

        // Cut: everything after the media is gone (the closing event, the part end, the final record).
        let handle = try FileHandle(forWritingTo: written.url)
        try handle.truncate(atOffset: UInt64(written.sizeAfterMedia))
        try handle.close()
        let cut = setup.dir.appendingPathComponent("cut")
        let run = try CommandLineTool.proctor(["export", written.url.path, "--key", setup.keyFile.path, "--json", "--pdf", "-o", cut.path,
                                               "--exams", setup.exams.path])
        XCTAssertEqual(run.status, 0, "cut but authentic: incomplete, not failed: \(run.stderr)")
        let report = try json(cut.appendingPathComponent("s0000001-chem101-midterm.json"))
        XCTAssertEqual((report["integrity"] as? [String: Any])?["status"] as? String, "incomplete")
        let flags = try XCTUnwrap(report["timeline"] as? [[String: Any]]).filter { $0["kind"] as? String == "face.missing" }
        XCTAssertEqual(flags.count, 1, "\(flags)")
        XCTAssertEqual(flags.first?["open"] as? Bool, true)
        XCTAssertEqual(flags.first?["start"] as? Double, 10)
        XCTAssertEqual(try XCTUnwrap(flags.first?["end"] as? Double), 30, accuracy: 0.01, "to the last media time of part 0")
        let suspicion = try XCTUnwrap(report["suspicion"] as? [String: Any])
        let contribution = try XCTUnwrap((suspicion["contributions"] as? [[String: Any]])?.first { $0["kind"] as? String == "face.missing" })
        XCTAssertEqual(try XCTUnwrap(contribution["seconds"] as? Double), 20, accuracy: 0.5)
        XCTAssertGreaterThan(try XCTUnwrap(suspicion["score"] as? Double), 60, "20 s of ~30 s without a face")
        let all = flat(try Tool.pdfText(cut.appendingPathComponent("s0000001-chem101-midterm.pdf").path))
        XCTAssertTrue(all.contains("face.missing at 0:00:10.0"), all)
        XCTAssertTrue(all.contains("its end was never sealed"), all)
    }

    /// Attack 5: two sessions of one student and exam that started in the same second get two
    /// reports, and each class-overview row names its own.
    func testCollidingBundlesGetTwoReportsAndTheirOwnRows() throws {
        let setup = try makeSetup()
        let exam = try issueExam(setup, signedBy: setup.instructor, into: setup.exams)
        let a = try writeBundle(setup, name: "a.proctor", exam: exam, events: [(flag("face.missing", 5, 20), 20)]).url
        let b = try writeBundle(setup, name: "b.proctor", exam: exam, events: []).url
        let out = setup.dir.appendingPathComponent("out")
        let run = try CommandLineTool.proctor(["export", a.path, b.path, "--key", setup.keyFile.path, "--json", "--pdf", "-o", out.path,
                                               "--exams", setup.exams.path])
        XCTAssertEqual(run.status, 0, run.stderr)
        let pdfs = run.stdout.split(separator: "\n").map(String.init).filter { $0.hasSuffix(".pdf") && !$0.hasSuffix("class-overview.pdf") }
        XCTAssertEqual(pdfs.count, 2, run.stdout)
        XCTAssertEqual(Set(pdfs).count, 2, "no report overwrote another: \(pdfs)")
        let sessionA = try BundleReader(contentsOf: a).header.sessionId, sessionB = try BundleReader(contentsOf: b).header.sessionId
        let nameA = "s0000001-chem101-midterm-20261118T110640-\(sessionA.prefix(8)).pdf"
        let nameB = "s0000001-chem101-midterm-20261118T110640-\(sessionB.prefix(8)).pdf"
        XCTAssertEqual(Set(pdfs.map { URL(fileURLWithPath: $0).lastPathComponent }), [nameA, nameB])
        XCTAssertTrue(try Tool.pdfText(out.appendingPathComponent(nameA).path).contains("face.missing at 0:00:05.0"))
        XCTAssertFalse(try Tool.pdfText(out.appendingPathComponent(nameB).path).contains("face.missing at"))
        let rows = try XCTUnwrap(try json(out.appendingPathComponent("class-overview.json"))["students"] as? [[String: Any]])
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: rows.map { ($0["reportFile"] as? String ?? "", $0["flaggedEvents"] as? Int ?? -1) }),
                       [nameA: 1, nameB: 0])
    }
}
