import ArgumentParser
import Attest
import Delivery
import Exam
import Foundation
import ProctorModel
import Seal
import Synchronization

extension Proctor {
    /// Hidden: the load bench of `proctor serve` (docs/benchmarks.md, "Server load"): many
    /// students sending live checkpoints every interval while others upload finished bundles,
    /// all through the client code `begin` and `submit` use, against a running server.
    struct BenchServerLoad: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench-server-load",
            abstract: "Load a running `proctor serve` with live checkpoints and bundle uploads (benchmarks only).",
            shouldDisplay: false
        )
        @OptionGroup var global: GlobalOptions
        @Option(help: "The signed exam file, naming the server and pinning its key, published with the roster.")
        var exam: String
        @Option(help: "The enrolment codes, one `STUDENT<TAB>CODE` line each, as `proctor exam roster` prints them.")
        var codes: String
        @Option(help: "A file of media bytes to seal into each uploaded bundle.")
        var media: String
        @Option(help: "Media seconds the uploaded bundles stand for (sets the record size and checkpoint count).")
        var mediaSeconds: Double
        @Option(help: "A folder for the bundles.")
        var work: String
        @Option(help: "Students sending live checkpoints.")
        var live = 500
        @Option(help: "Students uploading a bundle (the first in the codes file).")
        var uploads = 100
        @Option(help: "How long the live students keep sending, at least (the run also lasts until every upload ended).")
        var seconds = 60.0
        @Option(help: "The server process, for its CPU time and peak RSS from /proc.")
        var serverPid: Int32
        @Option(help: "The size of each upload PATCH, in KiB (as `proctor submit --segment-kib`).")
        var segmentKib = 8 * 1024

        mutating func run() async throws {
            let examFile = try ExamFile.load(URL(fileURLWithPath: exam))
            guard let server = examFile.settings.server, let base = URL(string: server.url) else {
                throw ProctorError(.usage, "the exam \(exam) names no server")
            }
            let lines = try String(contentsOfFile: codes, encoding: .utf8).split(separator: "\n").map { $0.split(separator: "\t") }
            let roster = lines.filter { $0.count == 2 }.map { (String($0[0]), String($0[1])) }
            guard roster.count >= live + uploads else {
                throw ProctorError(.usage, "\(codes) has \(roster.count) codes; \(live + uploads) students need one each")
            }
            let workURL = URL(fileURLWithPath: work)
            try? FileManager.default.createDirectory(at: workURL.appendingPathComponent("live"), withIntermediateDirectories: true)
            let interval = server.checkpointSeconds

            let setupStart = Date()
            let students = try await Self.tickets(Array(roster.prefix(live + uploads)), exam: examFile, server: server, base: base)
            Self.say("\(students.count) tickets in \(Self.since(setupStart)) s")
            var uploaders: [UploadStudent] = []
            for (index, student) in students.prefix(uploads).enumerated() {
                let bundle = workURL.appendingPathComponent("\(student.id).proctor")
                uploaders.append(try UploadStudent.write(student, exam: examFile, media: URL(fileURLWithPath: media),
                                                         mediaSeconds: mediaSeconds, interval: interval, to: bundle))
                if index % 10 == 9 { Self.say("\(index + 1) bundles written") }
            }
            let setupCheckpoints = try await Self.sendAll(uploaders, base: base)
            Self.say("\(setupCheckpoints) checkpoints of the uploaded bundles sent; setup took \(Self.since(setupStart)) s")

            let report = await Self.loadRun(live: students.dropFirst(uploads).map { $0 }, uploaders: uploaders, exam: examFile,
                                            server: server, base: base, work: workURL, interval: interval, seconds: seconds,
                                            segment: segmentKib * 1024, serverPid: serverPid, setupCheckpoints: setupCheckpoints)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        }

        static func say(_ line: String) { FileHandle.standardError.write(Data("bench-server-load: \(line)\n".utf8)) }
        static func since(_ date: Date) -> String { String(format: "%.1f", Date().timeIntervalSince(date)) }

        /// Every student's ticket, eight requests at a time, each checked under the pinned key.
        static func tickets(_ roster: [(String, String)], exam: ExamFile, server: ServerSettings, base: URL) async throws -> [BenchStudent] {
            try await withThrowingTaskGroup(of: [(Int, BenchStudent)].self) { group in
                let lanes = 8
                for lane in 0..<lanes {
                    group.addTask {
                        let client = ServerClient(base: base)
                        defer { client.close() }
                        var got: [(Int, BenchStudent)] = []
                        for index in stride(from: lane, to: roster.count, by: lanes) {
                            let (id, code) = roster[index]
                            let (signed, ticket) = try await client.ticket(examId: exam.settings.id, student: id, code: code, pinned: server.key)
                            got.append((index, BenchStudent(id: id, signedTicket: signed, ticket: ticket)))
                        }
                        return got
                    }
                }
                var all: [(Int, BenchStudent)] = []
                for try await got in group { all += got }
                return all.sorted { $0.0 < $1.0 }.map(\.1)
            }
        }

        /// The uploaders' checkpoints, in order per student, eight students at a time.
        static func sendAll(_ uploaders: [UploadStudent], base: URL) async throws -> Int {
            try await withThrowingTaskGroup(of: Int.self) { group in
                let lanes = 8
                for lane in 0..<lanes {
                    group.addTask {
                        let client = ServerClient(base: base)
                        defer { client.close() }
                        var sent = 0
                        for index in stride(from: lane, to: uploaders.count, by: lanes) {
                            let uploader = uploaders[index]
                            for signed in uploader.checkpoints {
                                if case .refused(let error) = try await client.send(checkpoint: signed, attemptId: uploader.student.ticket.attemptId) {
                                    throw error
                                }
                                sent += 1
                            }
                        }
                        return sent
                    }
                }
                return try await group.reduce(0, +)
            }
        }
    }
}
