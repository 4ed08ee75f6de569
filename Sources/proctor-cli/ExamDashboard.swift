import ArgumentParser
import Attest
import Exam
import Foundation
import ProctorModel
import Seal

/// `proctor exam dashboard`: signs a short-lived instructor token for the server an exam pins
/// and prints the dashboard link (docs/server.md, "Dashboard"). The token travels in the link's
/// fragment, which browsers never send, so it stays out of every access log.
extension Proctor.Exam {
    struct Dashboard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a link to the server's instructor dashboard, signed with your key, valid for a few hours.",
            discussion: "Anyone holding the link can read the metadata of your exams on that server (who started, checkpoints, receipts) until it expires; no recording can be opened with it.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var served: ServedExamOptions

        @Option(help: ArgumentHelp("How long the link works, 1-12 hours.", valueName: "hours"))
        var hours: Int = 8

        @Flag(help: "Print only the token (for scripts calling the JSON API with Authorization: Bearer).")
        var tokenOnly = false

        mutating func run() async throws {
            guard (1...12).contains(hours) else { throw ProctorError(.usage, "--hours must be between 1 and 12") }
            let (_, _, pinned, url) = try served.resolve()
            let base = url.absoluteString
            let identity = try served.identity()
            let now = Date()
            let token = try InstructorToken(publisher: identity.recipientKey.line, server: Base64.encode(pinned.key.publicKey),
                                            issuedAt: now, expiresAt: now.addingTimeInterval(Double(hours) * 3600)).signed(by: identity)
            if tokenOnly {
                print(token)
            } else {
                let root = base.hasSuffix("/") ? base : base + "/"
                print("\(root)dashboard#token=\(token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? token)")
                FileHandle.standardError.write(Data("proctor: this link reads your exams' metadata on \(root) for \(hours) hour(s); share it with no one\n".utf8))
            }
        }
    }
}
