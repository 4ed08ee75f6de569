import ArgumentParser
import Attest
import Delivery
import Exam
import Foundation
import ProctorModel
import Seal

/// `proctor exam roster` and `proctor exam publish`: registering an exam with the collection
/// server (docs/server.md). The codes exist only on stdout: the roster file holds their digests.
extension Proctor.Exam {
    struct Roster: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make an enrolment code per student; print the codes once and write ID.roster.json (digests only).",
            discussion: "Hand each student their code. Only the digests leave this command, so lost codes cannot be shown again: run it anew and publish again.")
        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("Exam ID or the path of an exam file.", valueName: "exam"))
        var exam: String

        @Option(name: .customLong("student"), help: ArgumentHelp("A student id (repeat for each student).", valueName: "id"))
        var students: [String] = []

        @Option(help: ArgumentHelp("A file with one student id per line.", valueName: "file"))
        var studentsFile: String?

        @Option(help: ArgumentHelp("Where to write the digests (default: ID.roster.json).", valueName: "file"))
        var out: String?

        mutating func run() async throws {
            let file = try ExamFile.load(try ExamLocator.resolve(exam))
            var ids = students
            if let studentsFile {
                guard let text = try? String(contentsOfFile: studentsFile, encoding: .utf8) else {
                    throw ProctorError(.missingInput, "cannot read the student list \(studentsFile)")
                }
                ids += text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            }
            guard !ids.isEmpty else { throw ProctorError(.usage, "name the students with --student ID or --students-file FILE") }
            guard Set(ids).count == ids.count else { throw ProctorError(.usage, "a student id is listed twice") }
            var lines: [String] = []
            var roster = RosterFile(examId: file.settings.id, students: [])
            for id in ids {
                let code = EnrolmentCode.generate()
                roster.students.append(.init(student: id, codeSHA256: EnrolmentCode.digest(examId: file.settings.id, studentId: id, code: code).hexString))
                lines.append("\(id)\t\(code)")
            }
            let target = URL(fileURLWithPath: out ?? "\(file.settings.id).roster.json")
            try roster.write(to: target)
            FileHandle.standardError.write(Data("proctor: these codes are shown once; \(target.path) holds only their digests\n".utf8))
            print(lines.joined(separator: "\n"))
        }
    }

    struct Publish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a signed exam and its roster with the collection server the exam names.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var served: ServedExamOptions

        @Option(help: ArgumentHelp("The digests from `proctor exam roster` (default: ID.roster.json).", valueName: "file"))
        var roster: String?

        mutating func run() async throws {
            let (examURL, file, _, base) = try served.resolve()
            let rosterFile = try RosterFile.read(URL(fileURLWithPath: roster ?? "\(file.settings.id).roster.json"))
            guard rosterFile.examId == file.settings.id else {
                throw ProctorError(.usage, "the roster was made for exam \(rosterFile.examId), not \(file.settings.id)")
            }
            let identity = try served.identity()
            let examBytes: [UInt8]
            do { examBytes = Array(try Data(contentsOf: examURL)) } catch {
                throw ProctorError(.io, "cannot read \(examURL.path)")
            }
            let publication = Publication(exam: Base64.encode(examBytes), roster: rosterFile.students, signedAt: Date())
            let client = ServerClient(base: base)
            defer { client.close() }
            let answer = try await client.publish(try publication.envelope(signedBy: identity))
            print("\(answer.created ? "Published" : "Already published:") \(answer.examId) on \(base.absoluteString) for \(answer.students) student(s)")
            print("SHA-256: \(answer.examSHA256)")
        }
    }
}

/// What `exam publish` and `exam dashboard` share: the exam, the instructor's key the server
/// trusts, and the server (the exam's pinned `[server] url` unless `--server` names another).
struct ServedExamOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("Exam ID or the path of an exam file: its [server] names the server.", valueName: "exam"))
    var exam: String

    @Option(help: ArgumentHelp("Your secret key (NAME.key): the server must trust it.", valueName: "file"))
    var key: String

    @Option(help: ArgumentHelp("The server's URL (default: the exam's [server] url).", valueName: "url"))
    var server: String?

    /// The exam file, its pinned server and the URL to talk to.
    func resolve() throws -> (examURL: URL, file: ExamFile, pinned: ServerSettings, base: URL) {
        let examURL = try ExamLocator.resolve(exam)
        let file = try ExamFile.load(examURL)
        guard let pinned = file.settings.server else {
            throw ProctorError(.usage, "the exam \(file.settings.id) names no [server]; add its url and key to the settings and sign it again")
        }
        guard let base = URL(string: server ?? pinned.url), base.scheme != nil else { throw ProctorError(.usage, "--server is not a URL") }
        return (examURL, file, pinned, base)
    }

    /// The instructor's identity, asking for its passphrase when it has one.
    func identity() throws -> InstructorIdentity {
        try InstructorIdentity.load(from: URL(fileURLWithPath: key), passphrase: .interactive)
    }
}

/// `ID.roster.json`: the enrolment code digests `exam roster` makes and `exam publish` sends.
struct RosterFile: Codable {
    var format = "proctor-roster-v1"
    var examId: String
    var students: [Publication.Student]

    init(examId: String, students: [Publication.Student]) {
        self.examId = examId
        self.students = students
    }

    static func read(_ url: URL) throws(ProctorError) -> RosterFile {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ProctorError(.missingInput, "no roster at \(url.path); make one with `proctor exam roster`")
        }
        guard let file = try? JSONDecoder().decode(RosterFile.self, from: data), file.format == "proctor-roster-v1" else {
            throw ProctorError(.badData, "\(url.path) is not a proctor roster")
        }
        return file
    }

    func write(to url: URL) throws(ProctorError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do { try encoder.encode(self).write(to: url, options: .atomic) } catch {
            throw ProctorError(.io, "cannot write \(url.path): \(error.localizedDescription)")
        }
    }
}
