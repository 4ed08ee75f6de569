import Attest
import Foundation
import NginxTestServer
import PostgresTestServer
import TestTools
import XCTest
@testable import Exam
@testable import Seal

/// `proctor begin` on an exam that names a collection server: it obtains a ticket with the
/// student's enrolment code and seals it into the session header; without a valid ticket a real
/// exam does not start, and a practice run records without one.
final class BeginServerTests: XCTestCase {
    /// `export --json --pdf`: the attestation's `attested`, page 1's origin line from the JSON, and page 1's text.
    static func exportAttestation(_ bundle: URL, kit: RecordingSessionKit, key: URL) throws -> (attested: Bool?, line: String, page1: String) {
        let out = kit.directory.appendingPathComponent("report-\(UUID().uuidString)")
        let export = try ProctorBinary.run(["export", bundle.path, "--key", key.path, "--json", "--pdf", "-o", out.path,
                                            "--exams", kit.directory.path], environment: kit.environment)
        XCTAssertEqual(export.status, 0, export.stderr)
        let name = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: out.path).first { $0.hasSuffix(".json") })
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent(name))) as? [String: Any])
        let provenance = try XCTUnwrap(report["provenance"] as? [String: Any])
        let attestation = provenance["attestation"] as? [String: Any]
        let pdf = out.appendingPathComponent(name.replacingOccurrences(of: ".json", with: ".pdf")).path
        let page1 = try MediaCheck.run("pdftotext", ["-layout", "-f", "1", "-l", "1", pdf, "-"]).out
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return (attestation?["attested"] as? Bool, provenance["originLine"] as? String ?? "", page1)
    }

    static func entryCount(_ data: Data) -> Int {
        let bytes = [UInt8](data)
        var position = 0, count = 0
        while position + 4 <= bytes.count {
            position += 4 + bytes[position..<position + 4].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            count += 1
        }
        return count
    }

    func testBeginObtainsATicketAndBindsItIntoTheBundle() async throws {
        let served = try ServedExam()
        defer { served.remove() }
        let kit = served.kit
        var server = try served.startServer()
        defer { server.stop() }

        let code = try served.publish(on: server)

        let begin = ["begin", "--exam", kit.examURL.path, "--camera", "test", "--mic", "test", "--screen", "none", "--duration", "7", "--accept"]
        let missing = try ProctorBinary.run(begin + ["--student", "s1"], environment: kit.environment)
        XCTAssertEqual(missing.status, 64, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("PROCTOR_ENROLMENT_CODE"), missing.stderr)
        let stranger = try ProctorBinary.run(begin + ["--student", "s2"], environment: kit.environment.merging(["PROCTOR_ENROLMENT_CODE": code]) { $1 })
        XCTAssertEqual(stranger.status, 77, stranger.stderr)
        XCTAssertTrue(stranger.stderr.contains("not_enrolled"), stranger.stderr)
        XCTAssertEqual(kit.bundles, [], "no recording starts without a ticket")

        let run = try ProctorBinary.run(begin + ["--student", "s1"], environment: kit.environment.merging(["PROCTOR_ENROLMENT_CODE": code]) { $1 })
        XCTAssertEqual(run.status, 0, run.stderr)
        let bundle = try XCTUnwrap(kit.bundles.first)
        let header = try BundleReader(contentsOf: bundle).header
        let ticket = try AttemptTicket.open(try XCTUnwrap(header.attemptTicket), publicKey: try ServerPublicKey(line: served.keyLine).publicKey)
        XCTAssertEqual(ticket.studentId, "s1")
        XCTAssertEqual(ticket.examFileSHA256, try ExamFile.load(kit.examURL).sha256)
        XCTAssertEqual(BundleReader.verify(contentsOf: bundle, key: kit.key).status, .intact)
        let attempts = try await server.count("attempts")
        XCTAssertEqual(attempts, 1)

        // Checkpoints every 2 s of a 7 s recording, plus the last one at the stop: all arrived,
        // all are in the queue file beside the bundle, and the finished bundle contains them all.
        let queued = try Data(contentsOf: bundle.appendingPathExtension("checkpoints"))
        let held = try await server.count("checkpoints")
        XCTAssertGreaterThanOrEqual(held, 4, "t = 0, 2, 4, 6 s and the stop")
        XCTAssertLessThanOrEqual(held, 6)
        XCTAssertEqual(Self.entryCount(queued), held, "every checkpoint made was accepted")
        // Before a receipt, purge keeps the recording whatever its age.
        let early = try ProctorBinary.run(["purge", kit.sessions.path, "--older-than", "0"], environment: kit.environment)
        XCTAssertEqual(early.status, 0, early.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: bundle.path), early.stderr)

        // Part of the upload arrives, the server restarts, and `submit` resumes from its offset.
        let bytes = try Array(Data(contentsOf: bundle))
        let path = "/v1/attempts/\(ticket.attemptId)/upload"
        XCTAssertEqual(try server.http.send("POST", path, headers: ["Upload-Length": "\(bytes.count)"]).status, 201)
        let first = try server.http.send("PATCH", path, headers: ["Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"],
                                         body: Data(bytes.prefix(65536)))
        XCTAssertEqual(first.status, 204, first.text)
        XCTAssertEqual(server.stop(), 0)
        server = try served.startServer()
        let submit = try ProctorBinary.run(["submit", "--bundle", bundle.path, "--exam", kit.examURL.path, "--json"], environment: kit.environment)
        XCTAssertEqual(submit.status, 0, submit.stderr)
        struct Submitted: Decodable { let bytesSent: Int; let checkpoints: Int; let allContained: Bool; let receipt: String }
        let submitted = try JSONDecoder().decode(Submitted.self, from: Data(submit.stdout.utf8))
        XCTAssertEqual(submitted.bytesSent, bytes.count - 65536, "only what the server did not hold was sent")
        let receipt = try ServerReceipt.open(Array(try Data(contentsOf: URL(fileURLWithPath: submitted.receipt))),
                                             publicKey: try ServerPublicKey(line: served.keyLine).publicKey)
        XCTAssertEqual(receipt.bundleSHA256, SHA256.hash(bytes))
        XCTAssertEqual(receipt.checkpoints.count, UInt64(held))
        XCTAssertTrue(receipt.checkpoints.allContained)
        XCTAssertEqual(submitted.checkpoints, held)
        let again = try ProctorBinary.run(["submit", "--bundle", bundle.path, "--exam", kit.examURL.path, "--json"], environment: kit.environment)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("\"bytesSent\":0"), "a second submit finds the receipt: \(again.stdout)")

        // Export, with the key pinned in the trusted exam file: attested, on page 1 and in the JSON;
        // the server's own copy (with its checkpoint log beside it) says the same.
        let instructorKey = try kit.identity.write(to: kit.directory, passphrase: nil).key
        let statement = try Self.exportAttestation(bundle, kit: kit, key: instructorKey)
        XCTAssertEqual(statement.attested, true, statement.line)
        XCTAssertTrue(statement.line.hasPrefix("ORIGIN ATTESTED: attested by collector"), statement.line)
        XCTAssertTrue(statement.line.contains(", \(held) checkpoints, all contained, received 20"), statement.line)
        XCTAssertTrue(statement.page1.contains("ORIGIN ATTESTED: attested by collector"), statement.page1)
        let serverCopy = server.bundles.appendingPathComponent("\(ticket.attemptId).proctor")
        let fromServer = try Self.exportAttestation(serverCopy, kit: kit, key: instructorKey)
        XCTAssertEqual(fromServer.attested, true, fromServer.line)

        // A receipt that does not verify under the pinned key keeps the bundle; the real one lets purge delete it.
        let receiptURL = URL(fileURLWithPath: submitted.receipt)
        let genuine = try Data(contentsOf: receiptURL)
        var forged = [UInt8](genuine)
        forged[forged.count - 1] ^= 1
        try Data(forged).write(to: receiptURL)
        XCTAssertEqual(try ProctorBinary.run(["purge", kit.sessions.path, "--older-than", "0"], environment: kit.environment).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: bundle.path), "a forged receipt does not count")
        try genuine.write(to: receiptURL)
        let purge = try ProctorBinary.run(["purge", kit.sessions.path, "--older-than", "0"], environment: kit.environment)
        XCTAssertEqual(purge.status, 0, purge.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: bundle.path), purge.stdout + purge.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: receiptURL.path))

        // A practice run needs no code and carries no ticket.
        let practiceKit = try RecordingSessionKit(extraSettings: "[server]\nurl = \"http://127.0.0.1:\(served.port)/\"\nkey = \"\(served.keyLine)\"\n")
        defer { practiceKit.remove() }
        let practice = try ProctorBinary.run(begin + ["--student", "s9", "--practice"], environment: practiceKit.environment)
        XCTAssertEqual(practice.status, 0, practice.stderr)
        XCTAssertNil(try BundleReader(contentsOf: try XCTUnwrap(practiceKit.bundles.first)).header.attemptTicket)
        // (It recorded the same exam, sealed to the same instructor; only its session folder is another.)
        let unattested = try Self.exportAttestation(try XCTUnwrap(practiceKit.bundles.first), kit: kit, key: instructorKey)
        XCTAssertEqual(unattested.attested, false)
        XCTAssertTrue(unattested.line.hasPrefix("ORIGIN NOT ATTESTED by collector"), unattested.line)
        XCTAssertTrue(unattested.line.contains("no ticket"), unattested.line)
    }

    /// The server goes away in the middle of a recording and comes back: the recording runs on
    /// untouched, the checkpoints made meanwhile wait in the queue file and arrive late, in order.
    func testServerDownDuringRecordingDelaysCheckpointsOnly() async throws {
        let served = try ServedExam()
        defer { served.remove() }
        var server = try served.startServer()
        let begin = try await Self.beginRecording(served, code: try served.publish(on: server), firstCheckpointOn: server)
        defer { if begin.isRunning { begin.terminate() } }
        XCTAssertEqual(server.stop(), 0)
        let down = Date()
        // The outage itself: checkpoints due in it must wait, which only time can show.
        try await Task.sleep(for: .seconds(5))
        server = try served.startServer()
        defer { server.stop() }
        try await Self.assertRecordedThroughOutage(served, begin: begin, server: server, down: down, up: Date())
    }

    /// The network between student and server drops every connection for 5 s, checkpoint
    /// requests half-sent included (a proxy shuts them down), while the server itself stays up:
    /// the recording does not notice, and the checkpoints arrive late, in order, marked so.
    func testANetworkThatDropsConnectionsDelaysCheckpointsOnly() async throws {
        let proxy = try CuttingProxy(to: 0)
        defer { proxy.close() }
        let served = try ServedExam(port: Int(proxy.port))
        defer { served.remove() }
        let serverPort = try ServeProcess.freePort()
        proxy.upstreamPort = UInt16(serverPort)
        let server = try served.startServer(port: serverPort)
        defer { server.stop() }
        let begin = try await Self.beginRecording(served, code: try served.publish(on: server), firstCheckpointOn: server)
        defer { if begin.isRunning { begin.terminate() } }
        XCTAssertGreaterThan(proxy.bytesTowardsServer, 0, "the ticket and the first checkpoint went through the proxy")
        proxy.dropAll()
        let down = Date()
        try await Task.sleep(for: .seconds(5))
        proxy.heal()
        XCTAssertGreaterThan(proxy.refusedConnections, 0, "the client tried during the cut and was turned away")
        try await Self.assertRecordedThroughOutage(served, begin: begin, server: server, down: down, up: Date())
    }

    /// `begin` for 12 s on the served exam, returned once the first checkpoint is held.
    private static func beginRecording(_ served: ServedExam, code: String, firstCheckpointOn server: ServeProcess) async throws -> Process {
        let begin = Process()
        begin.executableURL = ProctorBinary.url
        begin.arguments = ["begin", "--exam", served.kit.examURL.path, "--student", "s1", "--camera", "test", "--mic", "test",
                           "--screen", "none", "--duration", "12", "--accept"]
        begin.environment = ProcessInfo.processInfo.environment.merging(served.kit.environment.merging(["PROCTOR_ENROLMENT_CODE": code]) { $1 }) { $1 }
        begin.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        begin.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try begin.run()
        var held = 0
        for _ in 0..<200 where held == 0 {
            try await Task.sleep(for: .milliseconds(50))
            held = try await server.count("checkpoints")
        }
        XCTAssertGreaterThan(held, 0, "the first checkpoint arrived while the network was up")
        return begin
    }

    /// After an outage from `down` to `up`: the recording is whole, every checkpoint made
    /// arrived (those of the outage after it, in order), the student was told once, and the
    /// export of the server's copy is attested with the late checkpoints said so.
    private static func assertRecordedThroughOutage(_ served: ServedExam, begin: Process, server: ServeProcess,
                                                    down: Date, up: Date) async throws {
        let kit = served.kit
        while begin.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        XCTAssertEqual(begin.terminationStatus, 0)

        let bundle = try XCTUnwrap(kit.bundles.first)
        let verification = BundleReader.verify(contentsOf: bundle, key: kit.key)
        XCTAssertEqual(verification.status, .intact, "\(verification.warnings)")
        XCTAssertEqual(try XCTUnwrap(verification.mediaDuration), 12, accuracy: 0.5, "the recording did not notice the outage")
        let queued = Self.entryCount(try Data(contentsOf: bundle.appendingPathExtension("checkpoints")))
        let arrivals = try await server.checkpointArrivals()
        XCTAssertEqual(arrivals.count, queued, "every checkpoint made arrived, the late ones after the network came back")
        let late = arrivals.filter { Double($0) / 1000 >= up.timeIntervalSince1970 - 0.5 }
        XCTAssertGreaterThanOrEqual(late.count, 2, "the ones made during the \(up.timeIntervalSince(down)) s outage arrived after it: \(arrivals)")
        XCTAssertEqual(arrivals, arrivals.sorted(), "in order")
        // The student was told, once (at most once a minute), while the server was away.
        let shown = try kit.read(bundle).records.filter { $0.type == .timeline }
            .map { try RecordingRecords.decodeTimeline(try XCTUnwrap($0.payload)) }
            .filter { $0.kind == "warning.shown" && $0.subject == "network.down" }
        XCTAssertEqual(shown.count, 1, "\(shown)")
        let told = try XCTUnwrap(shown.first)
        XCTAssertEqual(told.severity, .info)
        XCTAssertGreaterThanOrEqual(told.measured["checkpointsWaiting"] ?? 0, 1)
        XCTAssertTrue(told.message.hasPrefix("The exam server cannot be reached"), told.message)
        XCTAssertLessThan(told.start, 12 - 2, "told during the outage, not at the end: \(told.start)")

        // Submitted and exported from the server's copy: attested, with the late ones said so.
        let submit = try ProctorBinary.run(["submit", "--bundle", bundle.path, "--exam", kit.examURL.path], environment: kit.environment)
        XCTAssertEqual(submit.status, 0, submit.stderr)
        let key = try kit.identity.write(to: kit.directory, passphrase: nil).key
        let attemptId = try AttemptTicket.decode(try XCTUnwrap(try BundleReader(contentsOf: bundle).header.attemptTicket)).attemptId
        let statement = try Self.exportAttestation(server.bundles.appendingPathComponent("\(attemptId).proctor"), kit: kit, key: key)
        XCTAssertEqual(statement.attested, true, statement.line)
        // Late here means more than two intervals behind its media time: those made early in the 5 s outage.
        XCTAssertTrue(statement.line.contains("\(queued) checkpoints, all contained, "), statement.line)
        XCTAssertTrue(statement.line.range(of: #"all contained, [1-9][0-9]* arrived late \(queued while the network was away\), received"#,
                                           options: .regularExpression) != nil, statement.line)
    }
}

extension BeginServerTests {
    /// Two instances on one PostgreSQL behind a round-robin load balancer (a real nginx): the
    /// real client's checkpoints and its resumable upload land on both, every checkpoint is
    /// accepted, one receipt, and export says attested.
    func testTheClientSwitchesBetweenTwoInstancesBehindABalancer() async throws {
        let cluster = try PostgresServer()
        defer { cluster.stop() }
        let database = try cluster.createDatabase()
        let ports = [try ServeProcess.freePort(), try ServeProcess.freePort()]
        let balancer = try NginxServer(balancing: ports)
        defer { balancer.stop() }
        let served = try ServedExam(port: Int(balancer.port))
        defer { served.remove() }
        let kit = served.kit
        let a = try served.startServer(port: ports[0], postgres: (cluster, database), configName: "a.toml")
        defer { XCTAssertEqual(a.stop(), 0) }
        let b = try served.startServer(port: ports[1], postgres: (cluster, database), configName: "b.toml")
        defer { XCTAssertEqual(b.stop(), 0) }
        let code = try served.publish(on: a)

        let run = try ProctorBinary.run(["begin", "--exam", kit.examURL.path, "--student", "s1", "--camera", "test", "--mic", "test",
                                         "--screen", "none", "--duration", "7", "--accept"],
                                        environment: kit.environment.merging(["PROCTOR_ENROLMENT_CODE": code]) { $1 })
        XCTAssertEqual(run.status, 0, run.stderr)
        let bundle = try XCTUnwrap(kit.bundles.first)
        let queued = Self.entryCount(try Data(contentsOf: bundle.appendingPathExtension("checkpoints")))
        let held = try await a.count("checkpoints")
        XCTAssertGreaterThanOrEqual(held, 4)
        XCTAssertEqual(held, queued, "every checkpoint made was accepted, whichever instance took it")

        let submit = try ProctorBinary.run(["submit", "--bundle", bundle.path, "--exam", kit.examURL.path, "--segment-kib", "64"],
                                           environment: kit.environment)
        XCTAssertEqual(submit.status, 0, submit.stderr)
        let receipts = try await b.count("receipts")
        XCTAssertEqual(receipts, 1)

        let log = balancer.upstreamLog()
        let upstreams = { (what: String) in Set(log.filter { $0.contains(what) }.compactMap { $0.split(separator: " ").last.map(String.init) }) }
        let both: Set<String> = Set(ports.map { "127.0.0.1:\($0)" })
        XCTAssertEqual(upstreams("/checkpoints"), both, "checkpoints went to both instances: \(log)")
        XCTAssertEqual(upstreams("/upload"), both, "the upload's requests went to both instances: \(log)")
        XCTAssertFalse(log.contains { $0.split(separator: " ")[2].hasPrefix("5") }, "no 5xx: \(log)")

        let key = try kit.identity.write(to: kit.directory, passphrase: nil).key
        let statement = try Self.exportAttestation(bundle, kit: kit, key: key)
        XCTAssertEqual(statement.attested, true, statement.line)
        XCTAssertTrue(statement.line.contains(", \(held) checkpoints, all contained, received 20"), statement.line)
    }
}

/// A server key pair in a temporary folder (`proctor keygen --server`), an exam that pins it and
/// names a free loopback port with 2 s checkpoints (or `port`, a proxy's or a balancer's in
/// front of the servers), and `proctor serve` started on that port or one given.
private struct ServedExam {
    let keys: URL
    /// Where the exam says the server is.
    let port: Int
    /// The server's `proctor-server-v1` public key line, as the exam pins it.
    let keyLine: String
    let kit: RecordingSessionKit

    /// `port`: where the exam says the server is (a load balancer's port); default a free one.
    init(port: Int? = nil) throws {
        keys = FileManager.default.temporaryDirectory.appendingPathComponent("begin-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: keys, withIntermediateDirectories: true)
        XCTAssertEqual(try ProctorBinary.run(["keygen", "--server", "--name", "collector", "--out", keys.path]).status, 0)
        keyLine = try String(contentsOf: keys.appendingPathComponent("collector.server.pub"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        self.port = try port ?? ServeProcess.freePort()
        kit = try RecordingSessionKit(extraSettings: "[server]\nurl = \"http://127.0.0.1:\(self.port)/\"\nkey = \"\(keyLine)\"\ncheckpoint_seconds = 2\n")
    }

    /// The server, trusting the exam's instructor and signing with the key made above.
    func startServer(port: Int? = nil, postgres: (cluster: PostgresServer, database: String)? = nil,
                     configName: String = "serve.toml") throws -> ServeProcess {
        try ServeProcess(folder: keys, trusting: [kit.identity.recipientKey.line], port: port ?? self.port,
                         extraConfig: "\n[identity]\nkey_file = \"collector.server.key\"\n", postgres: postgres, configName: configName)
    }

    /// Publishes the exam with a roster of one, student s1; returns s1's enrolment code.
    func publish(on server: ServeProcess) throws -> String {
        let code = EnrolmentCode.generate()
        let publication = Publication(exam: Base64.encode(try Array(Data(contentsOf: kit.examURL))),
                                      roster: [.init(student: "s1", codeSHA256: EnrolmentCode.digest(examId: "rec-test", studentId: "s1", code: code).hexString)],
                                      signedAt: Date())
        XCTAssertEqual(try server.json("POST", "/v1/exams", try publication.envelope(signedBy: kit.identity)).status, 201)
        return code
    }

    func remove() {
        kit.remove()
        try? FileManager.default.removeItem(at: keys)
    }
}
