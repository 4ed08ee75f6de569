import ArgumentParser
import Encode
import Foundation
import ProctorModel
import Report
import Review
import Seal
import WebLayer

extension Proctor {
    struct Review: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "review",
            abstract: "Review a class in the browser: ranked attempts, video at each flag, signed dispositions.",
            discussion: """
            Opens the bundles with your key (unlocked once), then serves the review app on 127.0.0.1 only: \
            the URL printed carries a random access token. Dispositions are saved, signed with your key, \
            in NAME.proctor.review.json beside each bundle; `proctor export --pdf` shows them. Ctrl-C stops it \
            (docs/review.md).
            """
        )

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Sealed bundles (.proctor files) or folders holding them.")
        var paths: [String]

        @Option(help: "Your instructor key file (NAME.key); its passphrase comes from PROCTOR_PASSPHRASE or the terminal.")
        var key: String

        @Option(help: "The loopback port to listen on (default: a free one).") var port = 0

        @Flag(help: "Print the URL but do not open a browser.") var noBrowser = false

        @Option(name: .customLong("trust"), help: "Also accept exams and reviews signed by this instructor's public key (NAME.pub); repeatable.")
        var trusted: [String] = []

        @Option(name: .customLong("exams"), help: "A folder of exam files to find each bundle's exam in (by its SHA-256); repeatable.")
        var examFolders: [String] = []

        func validate() throws {
            if paths.isEmpty { throw ValidationError("name at least one bundle or folder to review") }
            if !(0...65535).contains(port) { throw ValidationError("--port must be 0 to 65535") }
        }

        mutating func run() async throws {
            LibraryLogging.configure(verbose: global.verbose)
            let bundles = try ReviewCommand.bundles(paths)
            let identity = try InstructorIdentity.load(from: URL(fileURLWithPath: key), passphrase: .interactive)
            var trust = ExamTrust()
            trust.trustOwn(identity.recipientKey)
            try trust.load(files: trusted.map { URL(fileURLWithPath: $0) }, folder: ExamTrust.defaultFolder())
            let library = ReviewLibrary(bundles: bundles, identity: identity, examFolders: examFolders.map { URL(fileURLWithPath: $0) },
                                        trust: trust, spoolInside: FileManager.default.temporaryDirectory,
                                        cache: ReviewSummaryCache(directory: ReviewSummaryCache.defaultDirectory()))
            for problem in library.problems { FileHandle.standardError.write(Data("proctor: \(problem)\n".utf8)) }
            guard library.count > 0 else { throw ProctorError(.badData, "none of the \(bundles.count) bundle(s) could be opened") }
            let unchecked = library.uncheckedCount
            if unchecked > 0 {
                FileHandle.standardError.write(Data("proctor: \(unchecked) of \(library.count) attempt(s) listed from a first look, integrity \"not yet checked\": they are being verified in the background\n".utf8))
            }
            let open = !noBrowser
            try await ReviewApp.make(library, port: port).run(stopOnSignals: true) { url in
                // Unbuffered: a script waits for this line.
                FileHandle.standardOutput.write(Data("proctor review: \(library.count) attempt(s) at \(url.absoluteString)\n".utf8))
                if open { BrowserOpener.open(url) }
            }
        }
    }
}

enum ReviewCommand {
    /// Bundles named directly, and every `*.proctor` in the folders named, in name order.
    static func bundles(_ paths: [String]) throws -> [URL] {
        var found: [URL] = []
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                throw ProctorError(.missingInput, "\(path) does not exist")
            }
            if isFolder.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                found += names.filter { $0.hasSuffix(".proctor") && !$0.hasPrefix(".") }.sorted().map { URL(fileURLWithPath: path).appendingPathComponent($0) }
            } else {
                found.append(URL(fileURLWithPath: path))
            }
        }
        guard !found.isEmpty else { throw ProctorError(.missingInput, "no .proctor bundles in \(paths.joined(separator: ", "))") }
        return found
    }
}
