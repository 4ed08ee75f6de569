import Foundation
import ProctorModel
import Seal

/// A signed exam file (docs/exam-file.md): a short text header naming the signer and carrying
/// an Ed25519 signature, then the validated settings as JSON. The signature covers the
/// format line, the signer line and the body, so any edit after signing is detected.
public struct ExamFile: Sendable {
    static let formatLine = "proctor-exam-v1"
    /// Domain separation: an exam signature can never be replayed as some other signed thing.
    static let signatureContext = Array("proctor exam file v1\0".utf8)

    public let settings: ExamSettings
    /// SHA-256 of the exact file bytes: bundles record it to say which exam they ran.
    public let sha256: [UInt8]
    /// The Ed25519 key that signed it (one of the recipients).
    public let signerPublicKey: [UInt8]
    public let signer: RecipientKey

    /// Reads and verifies an exam file. Any edit is `ProctorError(.verification)` (exit 65).
    public static func load(_ url: URL) throws(ProctorError) -> ExamFile {
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: url))
        } catch {
            let exists = FileManager.default.fileExists(atPath: url.path)
            throw ProctorError(exists ? .io : .missingInput, exists ? "cannot read the exam file \(url.path)" : "the exam file \(url.path) does not exist")
        }
        do {
            return try decode(bytes)
        } catch {
            throw ProctorError(error.code, "\(url.path): \(error.message)", detail: error.detail)
        }
    }

    /// Verifies exam file bytes (as read from disk or received).
    public static func decode(_ bytes: [UInt8]) throws(ProctorError) -> ExamFile {
        let tampered = ProctorError(.verification, "the exam file is damaged or was edited after it was signed; ask your instructor for the original")
        // Header: exactly three lines and an empty one; split on bytes so the body stays exact.
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        while lines.count < 4, let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
            lines.append(bytes[start..<newline])
            start = newline + 1
        }
        guard lines.count == 4, lines[3].isEmpty, String(decoding: lines[0], as: UTF8.self) == formatLine else {
            if bytes.starts(with: Array("[".utf8)) || bytes.starts(with: Array("#".utf8)) {
                throw ProctorError(.badData, "this is a settings file, not an exam file; sign it with `proctor exam create`")
            }
            throw ProctorError(.verification, "not a proctor exam file (or its header was edited)")
        }
        let signerLine = String(decoding: lines[1], as: UTF8.self)
        let signatureLine = String(decoding: lines[2], as: UTF8.self)
        guard signerLine.hasPrefix("signer: "), signatureLine.hasPrefix("signature: "),
              let signer = try? RecipientKey(line: String(signerLine.dropFirst("signer: ".count)), warnLegacy: false),
              [signer.line, signer.legacyLine].contains(String(signerLine.dropFirst("signer: ".count))),
              let signature = Base64.decode(String(signatureLine.dropFirst("signature: ".count))) else {
            throw tampered
        }
        let body = Array(bytes[start...])
        guard Signing.verify(signature, of: signedMessage(signerLine: signerLine, body: body), publicKey: signer.signPublicKey) else {
            throw tampered
        }
        let settings: ExamSettings
        do {
            settings = try JSONDecoder().decode(ExamSettings.self, from: Data(body))
        } catch {
            // Signed but unreadable: written by a newer or broken proctor, not edited.
            throw ProctorError(.badData, "the exam file is signed but its settings cannot be read by this proctor version", detail: "\(error)")
        }
        guard settings.recipients.contains(where: { $0.signPublicKey == signer.signPublicKey }) else {
            throw ProctorError(.verification, "the exam file's signer is not one of its recipients")
        }
        return ExamFile(settings: settings, sha256: SHA256.hash(bytes), signerPublicKey: signer.signPublicKey, signer: signer)
    }

    /// Signs settings into exam file bytes. The signer is added to the recipients if absent,
    /// so whoever issues an exam can always open its recordings.
    public static func encode(_ settings: ExamSettings, signedBy identity: InstructorIdentity) throws(ProctorError) -> [UInt8] {
        var settings = settings
        let signer = identity.recipientKey
        if !settings.recipients.contains(where: { $0.signPublicKey == signer.signPublicKey }) {
            settings.recipients.insert(signer, at: 0)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let body: [UInt8]
        do {
            body = Array(try encoder.encode(settings)) + [UInt8(ascii: "\n")]
        } catch {
            throw ProctorError(.internalFailure, "could not encode the exam settings: \(error)")
        }
        let signerLine = "signer: \(signer.line)"
        let signature = identity.sign(signedMessage(signerLine: signerLine, body: body))
        let header = "\(formatLine)\n\(signerLine)\nsignature: \(Base64.encode(signature))\n\n"
        return Array(header.utf8) + body
    }

    private static func signedMessage(signerLine: String, body: [UInt8]) -> [UInt8] {
        signatureContext + Array("\(formatLine)\n\(signerLine)\n".utf8) + body
    }
}
