import ArgumentParser
import Encode
import Foundation
import Synchronization
import ProctorModel
import Report
import Seal

extension Proctor {
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decrypt bundles and write PDF reports, data and media for review.",
            discussion: """
            Every record is verified before it is used. A bundle that fails verification is still
            exported from what verified, the failure is stated on page 1, and the command exits 65.
            Integrity is not provenance: the exam file a bundle ran under is found by the SHA-256
            in its header, among the --exams folders and $PROCTOR_EXAM_DIR, the current folder and
            ~/.local/share/proctor/exams, and accepted only when your key or a trusted key signed it
            (--trust, and every .pub in $XDG_CONFIG_HOME/proctor/trusted, default
            ~/.config/proctor/trusted). Otherwise page 1 says "exam not issued by a trusted
            instructor", default weights apply, and the command exits 65. See docs/export.md.
            With no format flag, --pdf --json --csv are written. Several bundles are exported in
            parallel and also get class-overview.pdf, class-overview.json and class-events.csv.
            """)
        @OptionGroup var global: GlobalOptions

        @Argument(help: "Sealed bundles (.proctor files).")
        var bundles: [String]

        @Option(help: "Your instructor key file (NAME.key); its passphrase comes from PROCTOR_PASSPHRASE or the terminal.")
        var key: String

        @Flag(help: "Write a PDF report per bundle.") var pdf = false
        @Flag(help: "Write a JSON report per bundle (docs/report-schema.md).") var json = false
        @Flag(help: "Write a CSV of events per bundle.") var csv = false
        @Flag(help: "Write the camera and screen recordings as .mkv files, flags as chapters.") var media = false

        @Option(name: [.short, .customLong("output")], help: "Folder for the files (created if needed).")
        var output = "."

        @Option(name: .customLong("trust"), help: "Also accept exams signed by this instructor's public key (NAME.pub); repeatable.")
        var trusted: [String] = []

        @Option(name: .customLong("exams"), help: "A folder of exam files to find each bundle's exam in (by its SHA-256); repeatable.")
        var examFolders: [String] = []

        func validate() throws {
            if bundles.isEmpty { throw ValidationError("name at least one bundle to export") }
        }

        mutating func run() async throws {
            LibraryLogging.configure(verbose: global.verbose)
            let directory = URL(fileURLWithPath: output)
            try ExportCommand.prepare(directory)
            let identity = try InstructorIdentity.load(from: URL(fileURLWithPath: key), passphrase: .interactive)
            var options = ExportOptions(pdf: pdf, json: json, csv: csv, media: media, outputDirectory: directory)
            options.examFolders = examFolders.map { URL(fileURLWithPath: $0) }
            options.trust.trustOwn(identity.recipientKey)
            try options.trust.load(files: trusted.map { URL(fileURLWithPath: $0) }, folder: ExamTrust.defaultFolder())
            let urls = bundles.map { URL(fileURLWithPath: $0) }
            let bar = ProgressBar(total: urls.count)
            let result = await Exporter.run(urls, key: BundleKey(identity), options: options) { bar.update($0) }
            bar.finish()
            try ExportCommand.report(result, verbose: global.verbose)
        }
    }
}

/// Printing the outcome and choosing the exit status.
enum ExportCommand {
    static func prepare(_ directory: URL) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ProctorError(.io, "cannot create the output folder \(directory.path)", detail: "\(error)")
        }
    }

    /// Files written go to stdout, one per line; problems to stderr. A bundle that could not be
    /// read at all decides the exit status (wrong key 77, missing 66, ...); otherwise a failed
    /// verification exits 65 after everything that verified was written.
    static func report(_ result: Exporter.Result, verbose: Bool) throws {
        for bundle in result.bundles {
            if verbose, bundle.error == nil {
                FileHandle.standardError.write(Data(("proctor: \(bundle.bundle.lastPathComponent): \(bundle.evidenceFrames) evidence frames "
                                                     + "from \(bundle.framesDecoded) decoded video frames\n").utf8))
            }
            for file in bundle.files { print(file.path) }
            if let integrity = bundle.integrity, !integrity.verified {
                FileHandle.standardError.write(Data("proctor: \(bundle.bundle.lastPathComponent): \(integrity.line)\n".utf8))
            }
            if let exam = bundle.provenance?.exam, !exam.trusted {
                FileHandle.standardError.write(Data("proctor: \(bundle.bundle.lastPathComponent): \(exam.line)\n".utf8))
            }
        }
        for file in result.classFiles { print(file.path) }
        let unreadable = result.bundles.filter { $0.error != nil }
        for bundle in unreadable.dropFirst() {
            FileHandle.standardError.write(Data("proctor: \(bundle.bundle.lastPathComponent): \(bundle.error!.message)\n".utf8))
        }
        if let first = unreadable.first, let error = first.error {
            throw ProctorError(error.code, "\(first.bundle.lastPathComponent): \(error.message)", detail: error.detail)
        }
        let failed = result.failedVerification
        if failed > 0 {
            throw ProctorError(.verification, "\(failed) of \(result.bundles.count) bundle(s) failed verification; "
                               + "their reports state it on page 1 and show only what verified")
        }
        let untrusted = result.untrustedExams
        if untrusted > 0 {
            throw ProctorError(.verification, "\(untrusted) of \(result.bundles.count) bundle(s): exam not issued by a trusted instructor; "
                               + "their reports state it on page 1 (pass the exam's folder with --exams, its signer's key with --trust)")
        }
    }
}

/// A one-line progress bar on stderr when it is a terminal; silent otherwise (scripts read stdout).
final class ProgressBar: Sendable {
    private let total: Int
    private let enabled = isatty(STDERR_FILENO) == 1
    /// Bundles done, and the one being exported now.
    private let state = Mutex((done: 0, current: ""))

    init(total: Int) { self.total = total }

    func update(_ progress: Exporter.Progress) {
        guard enabled else { return }
        let total = total
        state.withLock { state in
            switch progress {
            case .started(let bundle): state.current = bundle.lastPathComponent
            case .finished(_, let finished, _): state.done = finished
            }
            let width = 30, filled = total > 0 ? width * state.done / total : width
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            FileHandle.standardError.write(Data("\r\u{1B}[K[\(bar)] \(state.done)/\(total) \(state.current)".utf8))
        }
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
