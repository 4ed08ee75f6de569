import ArgumentParser
import Foundation
import Delivery
import ProctorModel
import Session

extension Proctor {
    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Finish the exam session and deliver the sealed recording.",
            discussion: """
            Delivers to a folder (written under a hidden temporary name, renamed when complete) or to an
            http(s):// URL that accepts PUT. A URL ending in '/' is a WebDAV folder: large bundles go in
            resumable segments. Any other URL (e.g. a presigned object-store URL) gets one PUT.
            Run it again after any failure: it resumes. A receipt is stored beside the bundle.
            Credentials for an HTTP(S) destination come from $PROCTOR_SUBMIT_CREDENTIALS or --credentials-file
            (user:password), never from the URL. Redirects are not followed.
            Exit codes: 64 usage, 65 verification failed, 66 no bundle, 69 destination unreachable or redirecting,
            74 interrupted, too large (413), full, or not stored when read back, 77 refused (401/403). See docs/delivery.md.
            """,
            subcommands: [Collect.self]
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        @Option(help: "The sealed bundle (default: the running, unfinished or newest session in $PROCTOR_DATA_DIR or ~/.local/share/proctor/sessions).")
        var bundle: String?

        @Option(help: "Destination folder or http(s):// URL (default: the exam's submission address).")
        var to: String?

        @Option(help: "Exam id or exam file whose submission address to use when --to is not given.")
        var exam: String?

        @Option(help: ArgumentHelp("A file holding user:password for an HTTP(S) destination (default: $PROCTOR_SUBMIT_CREDENTIALS). Never put them in the URL.", valueName: "file"))
        var credentialsFile: String?

        @Option(help: "Tries per step before giving up on network faults.")
        var attempts = 6

        @Option(help: ArgumentHelp("Segment size in KiB for WebDAV folders.", visibility: .hidden))
        var segmentKib = 8 * 1024

        @Option(help: ArgumentHelp("First retry delay in seconds (doubles per retry).", visibility: .hidden))
        var retryDelay = 1.0

        mutating func run() async throws {
            guard attempts >= 1, segmentKib >= 1, retryDelay >= 0 else {
                throw ProctorError(.usage, "--attempts and --segment-kib must be at least 1, --retry-delay not negative")
            }
            // A session still recording, or one whose recorder crashed, is sealed before it is sent.
            let bundleURL = try await BundleLocator.finishedBundle(bundle.map { URL(fileURLWithPath: $0) })
            // A bundle recorded under a server's ticket goes to that server (ServerSubmit.swift).
            if to == nil, try await submitToServer(bundleURL) { return }
            let destination = try self.destination()
            var options = DeliveryOptions()
            options.segmentSize = segmentKib * 1024
            options.retry = RetryPolicy(maxAttempts: attempts, initialDelay: retryDelay, maxDelay: max(retryDelay, 30))
            options.credentials = try SubmitCredentials.resolve(file: credentialsFile)
            let progress = SubmitProgress()
            let receipt: DeliveryReceipt
            do {
                receipt = try await BundleDelivery.deliver(bundle: bundleURL, to: destination, options: options, onEvent: progress.show)
                progress.end()
            } catch {
                progress.end()
                throw error
            }
            if output.json {
                print(String(decoding: receipt.encoded(), as: UTF8.self))
            } else {
                print(Self.describe(receipt, receiptAt: DeliveryReceipt.url(for: bundleURL)))
            }
        }

        private func destination() throws -> DeliveryDestination {
            if let to { return try DeliveryDestination(parsing: to) }
            guard let exam else {
                throw ProctorError(.usage, "no destination: pass --to FOLDER-OR-URL, or --exam ID to use the exam's submission address")
            }
            return try DeliveryDestination.forExam(exam)
        }

        static func describe(_ receipt: DeliveryReceipt, receiptAt url: URL) -> String {
            let verified = switch receipt.verification {
            case .sha256: "SHA-256 read back"
            case .size: "size confirmed by the server (it offers no digest or byte ranges to check the bytes)"
            case .digest: "size and SHA-256 confirmed by the server"
            case .range: "size confirmed and the last bytes read back and hashed"
            case .acknowledged: "accepted by the server, NOT read back (it allows no HEAD or GET); the local bundle is kept"
            }
            var lines = [
                "Delivered \(receipt.bundle) to \(receipt.destination)",
                "  sha256    \(receipt.sha256)",
                "  size      \(receipt.size) bytes, \(verified)",
                "  location  \(receipt.location)" + (receipt.layout == .segments ? " (\(receipt.segments) segments)" : ""),
            ]
            if receipt.bytesAlreadyThere > 0 {
                lines.append("  resumed   \(receipt.bytesAlreadyThere) bytes were already there; \(receipt.bytesSent) sent now")
            }
            lines.append("  receipt   \(url.path)")
            return lines.joined(separator: "\n")
        }
    }
}

extension Proctor.Submit {
    struct Collect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild bundles that arrived in segments (for instructors, on the upload server's storage).",
            discussion: "Each NAME.parts folder with a manifest becomes NAME beside it, checked against every SHA-256 in the manifest."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "The folder the uploads arrive in.")
        var folder: String

        mutating func run() async throws {
            let assembled = try SegmentAssembler.collect(in: URL(fileURLWithPath: folder, isDirectory: true))
            if output.json {
                let rows = assembled.map { ["bundle": $0.bundle.path, "sha256": $0.sha256, "size": String($0.size), "written": String($0.written)] }
                let data = try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys])
                print(String(decoding: data, as: UTF8.self))
                return
            }
            if assembled.isEmpty { print("No finished segmented uploads in \(folder).") }
            for bundle in assembled {
                print("\(bundle.written ? "Assembled" : "Already assembled") \(bundle.bundle.path) (\(bundle.size) bytes, sha256 \(bundle.sha256))")
            }
        }
    }
}
