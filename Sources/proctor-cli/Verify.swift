import ArgumentParser
import Foundation
import ProctorModel
import Seal

extension Proctor {
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a sealed bundle for damage or tampering.",
            discussion: """
            Without --key: checks the structure, the header hash chain, the final signature and the \
            signed manifest. With --key: also decrypts and authenticates every record. Exit 0 when \
            the bundle is intact (a warning line on stderr if a part ended abruptly or the final \
            record is missing), 65 naming the first altered record, 77 if the key cannot open it. \
            Intact seals say the records were not changed after sealing, not where the bundle comes \
            from: anyone with the exam file and the recipients' public keys can seal a bundle. \
            `proctor export` checks who issued the exam; no origin is attested yet.
            """
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "The bundle file (.proctor).")
        var bundle: String

        @Option(help: "Your instructor key (NAME.key): also decrypt and authenticate every record.")
        var key: String?

        mutating func run() async throws {
            let url = URL(fileURLWithPath: bundle)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw ProctorError(.missingInput, "no bundle at \(bundle)")
            }
            var opener: BundleKey?
            var keyName: String?
            if let key {
                let identity = try InstructorIdentity.load(from: URL(fileURLWithPath: key), passphrase: .interactive)
                opener = BundleKey(identity)
                keyName = identity.name
            }
            // With a key, abrupt ends also say the media time the recording reached.
            let verification = BundleReader.verify(contentsOf: url, key: opener, mediaClock: RecordingRecords.mediaTime)
            if output.json {
                print(try VerifyReport(verification, path: bundle, keyName: keyName).json())
            } else if verification.failure == nil {
                print(VerifyReport.text(verification, path: bundle, keyName: keyName))
            }
            if let failure = verification.failure { throw failure.sessionError }
            for warning in verification.warnings {
                FileHandle.standardError.write(Data("proctor: warning: \(warning)\n".utf8))
            }
        }
    }
}

/// What `verify` prints: a short text summary or a JSON document (docs/bundle-format.md).
struct VerifyReport: Encodable {
    struct Part: Encodable { let part: Int; let records: UInt64; let ended: Bool }
    struct Totals: Encodable { let type: String; let code: UInt8; let records: UInt64; let payloadBytes: UInt64; let sealedBytes: UInt64 }
    struct Abrupt: Encodable { let part: UInt32; let records: UInt64; let offset: Int; let mediaTime: Double? }
    struct Failure: Encodable { let kind: String; let location: String; let offset: Int; let message: String }

    let bundle: String
    let status: String
    let examId: String?
    let studentId: String?
    let sessionId: String?
    let startTime: String?
    let cipher: String?
    let recipients: [String]?
    let decryptedWith: String?
    let finished: Bool
    let mediaDuration: Double?
    let fileSize: Int
    let parts: [Part]
    let totals: [Totals]
    let abruptEnds: [Abrupt]
    let warnings: [String]
    let failure: Failure?
    /// Integrity and provenance are separate statements (docs/bundle-format.md): `integrity`
    /// is what the seals show, `provenance` what they cannot (verify checks no exam issuer, and
    /// no collection server attests origins yet, so `attestation` is null).
    let integrity: String
    let provenance: Provenance

    struct Provenance: Encodable {
        let examIssuer = "not checked by verify (proctor export checks it)"
        let attestation: String? = nil
        let originAttested = false
        let line = VerifyReport.originLine

        private enum CodingKeys: String, CodingKey { case examIssuer, attestation, originAttested, line }

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(examIssuer, forKey: .examIssuer)
            try container.encode(attestation, forKey: .attestation)
            try container.encode(originAttested, forKey: .originAttested)
            try container.encode(line, forKey: .line)
        }
    }

    static let originLine = "not attested: the seals say the records were not changed, not who recorded them or where; "
        + "`proctor export` checks the exam's issuer"

    static func integrityLine(_ verification: BundleVerification) -> String {
        if verification.failure != nil { return "FAILED: a record, header or signature does not match" }
        let scope = verification.decrypted ? "every record authenticated" : "structure, hash chain and signature checked (pass --key to authenticate every record)"
        return verification.status == .intact ? "intact: \(scope)" : "intact so far, but not finished: \(scope)"
    }

    init(_ verification: BundleVerification, path: String, keyName: String?) {
        let header = verification.header
        bundle = path
        status = verification.status.rawValue
        examId = header?.examId
        studentId = header?.studentId
        sessionId = header?.sessionId
        startTime = header.map { ISO8601DateFormatter().string(from: $0.startTime) }
        cipher = header?.cipher.description
        recipients = header?.recipients.map(\.name)
        decryptedWith = verification.decrypted ? keyName : nil
        finished = verification.isFinished
        mediaDuration = verification.mediaDuration
        fileSize = verification.fileSize
        parts = verification.parts.enumerated().map { Part(part: $0.offset, records: $0.element.records, ended: $0.element.ended) }
        totals = verification.totals.sorted { $0.key < $1.key }.map {
            Totals(type: $0.key.description, code: $0.key.rawValue, records: $0.value.records,
                   payloadBytes: $0.value.payloadBytes, sealedBytes: $0.value.sealedBytes)
        }
        abruptEnds = verification.abruptEnds.map { Abrupt(part: $0.part, records: $0.records, offset: $0.offset, mediaTime: $0.mediaTime) }
        warnings = verification.warnings
        failure = verification.failure.map {
            Failure(kind: $0.kind.rawValue, location: $0.location.description, offset: $0.offset, message: $0.description)
        }
        integrity = Self.integrityLine(verification)
        provenance = Provenance()
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    static func text(_ verification: BundleVerification, path: String, keyName: String?) -> String {
        guard let header = verification.header else { return path }
        var lines = [
            "bundle:     \(path) (\(verification.fileSize) bytes)",
            "exam:       \(header.examId)   student: \(header.studentId)   session: \(header.sessionId)",
            "started:    \(ISO8601DateFormatter().string(from: header.startTime)) (wall clock, informational)",
            "cipher:     \(header.cipher)   recipients: \(header.recipients.map(\.name).joined(separator: ", "))",
            "parts:      " + verification.parts.enumerated().map { "\($0.offset): \($0.element.records) records\($0.element.ended ? "" : " (ended abruptly)")" }
                .joined(separator: ", "),
            "records:    " + verification.totals.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.records) (\($0.value.payloadBytes) bytes)" }
                .joined(separator: ", "),
        ]
        if verification.isFinished {
            lines.append("signature:  valid; the signed manifest matches every byte" +
                         (verification.mediaDuration.map { String(format: " (media %.1f s)", $0) } ?? ""))
        } else {
            lines.append("signature:  none (no final record)")
        }
        lines.append(verification.decrypted ? "decrypted:  every record opened and authenticated with \(keyName ?? "the key")"
                                            : "decrypted:  no (pass --key NAME.key to authenticate every record)")
        lines.append("integrity:  " + integrityLine(verification))
        lines.append("origin:     " + originLine)
        lines.append(verification.status == .intact ? "ok" : "ok, with warnings")
        return lines.joined(separator: "\n")
    }
}
