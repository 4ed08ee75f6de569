import Foundation
import ProctorModel

/// An instructor's public identity, as pasted into an LMS or an exam's settings: one line,
/// `proctor-pub-v2 NAME BASE64 CHECK`, where BASE64 holds the X25519 box key then the Ed25519
/// signing key (32 + 32 bytes) and CHECK is the first 3 bytes (6 hex digits) of SHA-256 over
/// `proctor-pub-v2 NAME BASE64`, so a character changed in copying is refused, not taken as
/// another valid key. `proctor-pub-v1 NAME BASE64` lines (no check) are still read, with a warning.
public struct RecipientKey: Codable, Sendable, Equatable, Hashable, CustomStringConvertible {
    public static let prefix = "proctor-pub-v2"
    public static let legacyPrefix = "proctor-pub-v1"

    public let name: String
    /// X25519: bundles are sealed to this key.
    public let boxPublicKey: [UInt8]
    /// Ed25519: exam files signed by this instructor verify against this key.
    public let signPublicKey: [UInt8]

    public init(name: String, boxPublicKey: [UInt8], signPublicKey: [UInt8]) throws(ProctorError) {
        try RecipientKey.validate(name: name)
        guard boxPublicKey.count == BoxKeys.publicKeyBytes, signPublicKey.count == Signing.publicKeyBytes else {
            throw ProctorError(.badData, "a public key for '\(name)' must hold two 32-byte keys")
        }
        self.name = name
        self.boxPublicKey = boxPublicKey
        self.signPublicKey = signPublicKey
    }

    /// Parses one `.pub` line; leading and trailing whitespace (a pasted space, a trailing
    /// newline) is ignored. A v1 line prints one warning on stderr unless `warnLegacy` is false.
    public init(line: String, warnLegacy: Bool = true) throws(ProctorError) {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        let fields = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let legacy = fields.first == Self.legacyPrefix
        guard fields.first == Self.prefix && fields.count == 4 || legacy && fields.count == 3 else {
            throw ProctorError(.badData, "not a proctor public key: expected '\(Self.prefix) NAME KEY CHECK'")
        }
        guard let keys = Base64.decode(fields[2]), keys.count == 64 else {
            throw ProctorError(.badData, "the public key of '\(fields[1])' is damaged: expected 64 bytes of base64")
        }
        if !legacy {
            guard fields[3] == Self.check(name: fields[1], base64: fields[2]) else {
                throw ProctorError(.badData, "the public key of '\(fields[1])' is damaged: its check digits do not match (copy the whole line again)")
            }
        }
        try self.init(name: fields[1], boxPublicKey: Array(keys[0..<32]), signPublicKey: Array(keys[32..<64]))
        if legacy && warnLegacy {
            FileHandle.standardError.write(Data("proctor: warning: the public key '\(name)' is an old \(Self.legacyPrefix) line without check digits; use the current line: \(self.line)\n".utf8))
        }
    }

    /// Whether `text` is meant as a key line rather than a `.pub` path (pasted spaces allowed).
    public static func looksLikeLine(_ text: String) -> Bool {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.hasPrefix(prefix + " ") || trimmed.hasPrefix(legacyPrefix + " ")
    }

    /// Reads a `.pub` file.
    public init(contentsOf url: URL) throws(ProctorError) {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ProctorError(.missingInput, "cannot read the public key \(url.path): \(error.localizedDescription)")
        }
        do {
            try self.init(line: text)
        } catch {
            throw ProctorError(error.code, "\(url.path): \(error.message)")
        }
    }

    /// The `.pub` line, without a newline.
    public var line: String {
        let base64 = Base64.encode(boxPublicKey + signPublicKey)
        return "\(Self.prefix) \(name) \(base64) \(Self.check(name: name, base64: base64))"
    }

    /// The same key as a v1 line (exam files written before v2 carry it as their signer).
    public var legacyLine: String { "\(Self.legacyPrefix) \(name) \(Base64.encode(boxPublicKey + signPublicKey))" }

    public var description: String { line }

    static func check(name: String, base64: String) -> String {
        Array(SHA256.hash(Array("\(prefix) \(name) \(base64)".utf8))[0..<3]).hexString
    }

    /// A short fingerprint people can compare by eye (first 8 bytes of SHA-256 of both keys).
    public var fingerprint: String {
        let digest = SHA256.hash(boxPublicKey + signPublicKey)
        return stride(from: 0, to: 8, by: 2).map { Array(digest[$0..<$0 + 2]).hexString }.joined(separator: ":")
    }

    /// Names become file names and a field of a space-separated line.
    static func validate(name: String) throws(ProctorError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard !name.isEmpty, name.count <= 64, name.allSatisfy(allowed.contains), !name.hasPrefix(".") else {
            throw ProctorError(.usage, "the name '\(name)' is not usable: use 1-64 letters, digits, '.', '_' or '-'")
        }
    }
}

/// Strict base64: decoding must round-trip, so two spellings of the same bytes (non-zero
/// padding bits) cannot both pass a byte-for-byte integrity check.
package enum Base64 {
    package static func encode(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    package static func decode(_ text: String) -> [UInt8]? {
        guard let data = Data(base64Encoded: text), data.base64EncodedString() == text else { return nil }
        return Array(data)
    }
}
