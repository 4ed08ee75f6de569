import Foundation
import ProctorModel
import Seal

/// `NAME.proctor.review.json`: a `ReviewDocument` and the reviewer's Ed25519 signature over its
/// canonical bytes (docs/review.md). Written with the instructor's identity; read back checked,
/// so an edit made after signing reads as tampered and is never applied.
public enum ReviewFile {
    /// The review file of a bundle: beside it, its name with `.review.json` appended.
    public static func url(forBundle bundle: URL) -> URL {
        bundle.deletingLastPathComponent().appendingPathComponent(bundle.lastPathComponent + ".review.json")
    }

    /// The file as stored: the document in readable JSON, then the signature.
    struct Stored: Codable {
        var review: ReviewDocument
        /// Base64 Ed25519 signature over `review.canonicalBytes`.
        var signature: String
    }

    /// What reading a review file found.
    public struct Checked: Sendable, Equatable {
        public enum Status: String, Sendable {
            /// Signed by a key the reader trusts, for these bundle bytes: its decisions apply.
            case valid
            /// The signature does not match the content: changed after signing.
            case tampered
            /// Validly signed, but by a key the reader does not trust (not theirs, not `--trust`ed).
            case untrustedSigner
            /// Validly signed for another bundle (other bytes or another session).
            case otherBundle
        }
        public var status: Status
        /// nil only when the file is not readable as a review at all.
        public var document: ReviewDocument?
        /// The signer as a key, when its line parsed.
        public var signer: RecipientKey?
        /// One sentence for the report.
        public var line: String
    }

    /// Signs `document` with `identity` (whose public key must be the document's reviewer) and
    /// writes it to `url` atomically, readable by the owner only: notes about a student are personal data.
    public static func write(_ document: ReviewDocument, signedBy identity: InstructorIdentity, to url: URL) throws(ProctorError) {
        guard document.reviewer.key == identity.recipientKey.line else {
            throw ProctorError(.usage, "the review names \(document.reviewer.name) as reviewer, but is being signed with \(identity.name)'s key")
        }
        let stored = Stored(review: document, signature: Data(identity.sign(document.canonicalBytes)).base64EncodedString())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let bytes: Data
        do { bytes = try encoder.encode(stored) + Data("\n".utf8) } catch {
            throw ProctorError(.internalFailure, "the review could not be encoded", detail: "\(error)")
        }
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: bytes, attributes: [.posixPermissions: 0o600]) else {
            throw ProctorError(.io, "cannot write the review file \(url.path): \(String(cString: strerror(errno)))")
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary.path)
            throw ProctorError(.io, "cannot write the review file \(url.path): \(reason)")
        }
    }

    /// Reads and checks `url`; nil when there is no review file. `bundleSHA256` (lowercase hex)
    /// and `sessionId` are the bundle's, `trust` says whose signature is accepted.
    public static func read(_ url: URL, bundleSHA256: String, sessionId: String, trust: ExamTrust) -> Checked? {
        guard let bytes = FileManager.default.contents(atPath: url.path) else { return nil }
        return check(bytes, bundleSHA256: bundleSHA256, sessionId: sessionId, trust: trust)
    }

    static func check(_ bytes: Data, bundleSHA256: String, sessionId: String, trust: ExamTrust) -> Checked {
        func tampered(_ why: String, _ document: ReviewDocument? = nil) -> Checked {
            Checked(status: .tampered, document: document, signer: nil,
                    line: "REVIEW FILE TAMPERED: \(why); its decisions were not used")
        }
        guard let stored = try? JSONDecoder().decode(Stored.self, from: bytes) else {
            return tampered("it is not a readable proctor review file")
        }
        let document = stored.review
        guard document.format == ReviewDocument.format else { return tampered("unknown format \(document.format)", document) }
        // A field the document type does not know is not covered by the signature: refuse it
        // rather than show something nobody signed.
        guard onlySignedFields(bytes, document) else { return tampered("it holds fields the signature does not cover", document) }
        guard let signer = try? RecipientKey(line: document.reviewer.key, warnLegacy: false) else {
            return tampered("the reviewer's key line is damaged", document)
        }
        guard let signature = Data(base64Encoded: stored.signature),
              Signing.verify(Array(signature), of: document.canonicalBytes, publicKey: signer.signPublicKey) else {
            return tampered("the signature of \(document.reviewer.name) (\(signer.fingerprint)) does not match its content", document)
        }
        let who = "\(signer.name) (\(signer.fingerprint))"
        guard document.bundle.sha256 == bundleSHA256, document.bundle.sessionId == sessionId else {
            return Checked(status: .otherBundle, document: document, signer: signer,
                           line: "REVIEW FOR ANOTHER BUNDLE: signed by \(who) for other recording bytes; its decisions were not used")
        }
        guard let trusted = trust.match(signer.signPublicKey) else {
            return Checked(status: .untrustedSigner, document: document, signer: signer,
                           line: "REVIEW BY AN UNTRUSTED KEY: signed by \(who), a key you do not trust; its decisions were not used")
        }
        return Checked(status: .valid, document: document, signer: signer,
                       line: "Reviewed by \(signer.name) (\(signer.fingerprint), \(trusted.source)) at \(document.reviewedAt); signature valid")
    }

    /// True when the `review` object in the file holds exactly what the decoded document encodes.
    private static func onlySignedFields(_ bytes: Data, _ document: ReviewDocument) -> Bool {
        guard let file = try? JSONSerialization.jsonObject(with: bytes) as? [String: Any],
              let stored = file["review"] as? NSDictionary, Set(file.keys) == ["review", "signature"] else { return false }
        let canonical = Array(document.canonicalBytes.dropFirst(ReviewDocument.format.utf8.count + 1))
        guard let again = try? JSONSerialization.jsonObject(with: Data(canonical)) as? NSDictionary else { return false }
        return stored.isEqual(again)
    }

    /// Lowercase hex SHA-256 of a bundle file: what a review is bound to.
    public static func sha256(ofFile url: URL) throws(ProctorError) -> String {
        try SHA256.hash(contentsOf: url.path).hexString
    }
}
