import ArgumentParser
import Foundation
import Delivery
import Exam
import ProctorModel
import Seal

extension Proctor {
    struct Exam: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a signed exam file, or show what an exam will record.",
            subcommands: [Create.self, Show.self, Roster.self, Publish.self, Dashboard.self]
        )
    }
}

extension Proctor.Exam {
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a settings file and sign it into an exam file.",
            discussion: "Settings keys are described in docs/exam-settings.md. Give students the exam file; any later edit to it is detected."
        )
        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("The exam's TOML settings file.", valueName: "file"))
        var settings: String

        @Option(help: ArgumentHelp("Your secret key (NAME.key from `proctor keygen`).", valueName: "file"))
        var key: String

        @Option(help: ArgumentHelp("Where to write the exam file (default: ID.exam in this folder).", valueName: "file"))
        var out: String?

        @Flag(help: "Replace an existing exam file.")
        var force = false

        mutating func run() async throws {
            let settingsURL = URL(fileURLWithPath: settings)
            let exam = try ExamSettings.load(settings: settingsURL)
            let identity = try InstructorIdentity.load(from: URL(fileURLWithPath: key), passphrase: .interactive)
            let bytes = try ExamFile.encode(exam, signedBy: identity)
            let written = try ExamFile.decode(bytes)
            // With the signer added as a recipient: what every `begin` will write, and the
            // address every `submit` will parse.
            do {
                try BundleHeader.checkRecordable(examId: written.settings.id, recipients: written.settings.recipients.map(BundleRecipient.init))
            } catch {
                throw ProctorError(error.code, "\(settingsURL.lastPathComponent) cannot be recorded: \(error.message)")
            }
            do {
                if let submission = written.settings.submission { _ = try DeliveryDestination(parsing: submission) }
            } catch {
                throw ProctorError(error.code, "\(settingsURL.lastPathComponent) cannot be delivered: \(error.message)")
            }
            let target = URL(fileURLWithPath: out ?? "\(exam.id).exam")
            if FileManager.default.fileExists(atPath: target.path), !force {
                throw ProctorError(.usage, "\(target.path) already exists; pass --force to replace it")
            }
            do {
                try Data(bytes).write(to: target, options: .atomic)
            } catch {
                throw ProctorError(.io, "cannot write \(target.path): \(error.localizedDescription)")
            }
            print("Wrote \(target.path): '\(exam.title)', signed by \(identity.name) (key \(identity.recipientKey.fingerprint))")
            print("Recipients: \(written.settings.recipients.map(\.name).joined(separator: ", "))")
            print("SHA-256: \(written.sha256.hexString)")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print exactly what an exam records and may flag.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: ArgumentHelp("Exam ID or the path of an exam file.", valueName: "exam"))
        var exam: String

        @Option(help: ArgumentHelp("Show it as this student will see it (with accommodations).", valueName: "id"))
        var student: String?

        mutating func run() async throws {
            let file = try ExamFile.load(try ExamLocator.resolve(exam))
            let disclosure = ExamDisclosure.text(for: file.settings, student: student)
            if output.json {
                var settings = file.settings
                settings.submission = settings.submission.map(ExamDisclosure.withoutCredentials)
                try JSONOutput.print(ShowOutput(exam: settings, sha256: file.sha256.hexString, signer: file.signer.line,
                                                student: student, disclosure: disclosure))
            } else {
                print(disclosure, terminator: "")
            }
        }

        struct ShowOutput: Encodable {
            let exam: ExamSettings
            let sha256: String
            let signer: String
            let student: String?
            let disclosure: String
        }
    }
}

/// Pretty, key-sorted JSON on stdout.
enum JSONOutput {
    static func print<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}
