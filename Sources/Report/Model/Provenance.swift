import Foundation

extension ReportModel {
    /// Where the bundle comes from, kept apart from `Integrity` on purpose: integrity says the
    /// sealed records are authentic and complete, which anyone holding the exam file and the
    /// recipients' public keys can achieve with a bundle written from scratch. Provenance says
    /// who issued the exam the bundle claims (checked against the exporter's trust list) and
    /// whether anything outside the student's computer attests where and when it was recorded.
    public struct Provenance: Sendable, Codable, Equatable {
        public var exam: ExamIssuer
        /// What the exam's collection server vouches for (`ServerAttestation`): nil when the
        /// exam names no server (or is not trusted); otherwise attested, or what fails.
        public var attestation: Attestation?

        public init(exam: ExamIssuer = ExamIssuer(status: .notFound, examFileSHA256: ""), attestation: Attestation? = nil) {
            self.exam = exam
            self.attestation = attestation
        }

        public var originAttested: Bool { attestation?.attested ?? false }

        /// The page-1 sentence about the origin.
        public var originLine: String {
            if let attestation {
                return attestation.attested ? "ORIGIN ATTESTED: attested by \(attestation.server): \(attestation.statement)"
                    : "ORIGIN NOT ATTESTED by \(attestation.server): \(attestation.statement)"
            }
            return "ORIGIN NOT ATTESTED: nothing outside the student's computer vouches for this recording."
        }

        /// Every sentence, in page-1 order.
        public var lines: [String] { [exam.line, originLine] }
    }

    /// The signed exam file the bundle header names by SHA-256, and whether its signer is trusted.
    public struct ExamIssuer: Sendable, Codable, Equatable {
        public enum Status: String, Sendable, Codable {
            /// Found, signed by the exporting instructor or a key in the trust list.
            case trusted
            /// Found and validly signed, but by a key nobody trusted.
            case untrusted
            /// No exam file with that hash among the exam folders: its issuer cannot be checked.
            case notFound
        }

        public var status: Status
        /// Lowercase hex, as sealed in the bundle header.
        public var examFileSHA256: String
        /// The matching exam file's name (the folder is the exporter's machine, not the bundle's).
        public var file: String?
        /// The signer's name and key fingerprint, as the exam file states them.
        public var signer: String?
        public var signerFingerprint: String?
        /// Which trusted key it matched: "your key (NAME)" or the trusted `.pub` file.
        public var trustedAs: String?
        /// The exam id from the bundle header.
        public var examID: String

        public init(status: Status, examFileSHA256: String, examID: String = "", file: String? = nil, signer: String? = nil,
                    signerFingerprint: String? = nil, trustedAs: String? = nil) {
            self.status = status
            self.examFileSHA256 = examFileSHA256
            self.examID = examID
            self.file = file
            self.signer = signer
            self.signerFingerprint = signerFingerprint
            self.trustedAs = trustedAs
        }

        public var trusted: Bool { status == .trusted }

        public var line: String {
            let signed = "signed by \(signer ?? "?") (key \(signerFingerprint ?? "?"))"
            switch status {
            case .trusted:
                // One line on page 1: a trusted file by its name (the JSON has the path).
                let how = trustedAs.map { $0.hasPrefix("/") ? URL(fileURLWithPath: $0).lastPathComponent : $0 } ?? "?"
                return "EXAM ISSUED BY A TRUSTED INSTRUCTOR: \(signer ?? "?"), key \(signerFingerprint ?? "?"), \(how)"
            case .untrusted:
                return "EXAM NOT ISSUED BY A TRUSTED INSTRUCTOR: the exam file the bundle names is \(signed), "
                    + "which is neither your key nor in your trust list (--trust, trusted folder); its settings were not used"
            case .notFound:
                return "EXAM NOT ISSUED BY A TRUSTED INSTRUCTOR: exam file \(examID).exam not found among the exam folders "
                    + "(none has SHA-256 \(examFileSHA256.prefix(16))…): its issuer cannot be checked; pass its folder with --exams"
            }
        }
    }

    /// A collection server's attestation, or the reason there is none (`ServerAttestation`).
    public struct Attestation: Sendable, Codable, Equatable {
        /// The pinned server key's name and fingerprint.
        public var server: String
        /// "ticket issued T, N checkpoints, all contained, received T", or what fails.
        public var statement: String
        public var attested: Bool
        public init(server: String, statement: String, attested: Bool) {
            self.server = server
            self.statement = statement
            self.attested = attested
        }
    }
}
