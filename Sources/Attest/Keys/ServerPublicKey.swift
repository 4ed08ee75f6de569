import Foundation
import ProctorModel
import Seal

/// A collection server's public identity, pinned in exam settings (`[server] key`): one line,
/// `proctor-server-v1 NAME BASE64 CHECK`, where BASE64 holds the 32-byte Ed25519 key and CHECK
/// is the first 3 bytes (6 hex digits) of SHA-256 over `proctor-server-v1 NAME BASE64`, the same
/// copy check an instructor's `.pub` line has (docs/keys.md).
public struct ServerPublicKey: Codable, Sendable, Equatable, Hashable, CustomStringConvertible {
    public static let prefix = "proctor-server-v1"

    public let name: String
    public let publicKey: [UInt8]

    public init(name: String, publicKey: [UInt8]) throws(ProctorError) {
        try ServerPublicKey.validate(name: name)
        guard publicKey.count == SigningKey.publicKeyBytes else {
            throw ProctorError(.badData, "a server key for '\(name)' must be a 32-byte Ed25519 key")
        }
        self.name = name
        self.publicKey = publicKey
    }

    /// Parses one line; surrounding whitespace is ignored.
    public init(line: String) throws(ProctorError) {
        let fields = line.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ").map(String.init)
        guard fields.count == 4, fields[0] == Self.prefix else {
            throw ProctorError(.badData, "not a proctor server key: expected '\(Self.prefix) NAME KEY CHECK'")
        }
        guard let key = Base64.decode(fields[2]), key.count == SigningKey.publicKeyBytes else {
            throw ProctorError(.badData, "the server key '\(fields[1])' is damaged: expected 32 bytes of base64")
        }
        guard fields[3] == Self.check(name: fields[1], base64: fields[2]) else {
            throw ProctorError(.badData, "the server key '\(fields[1])' is damaged: its check digits do not match (copy the whole line again)")
        }
        try self.init(name: fields[1], publicKey: key)
    }

    /// Reads a `NAME.server.pub` file.
    public init(contentsOf url: URL) throws(ProctorError) {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw ProctorError(.missingInput, "cannot read the server key \(url.path)")
        }
        do { try self.init(line: text) } catch { throw ProctorError(error.code, "\(url.path): \(error.message)") }
    }

    public static func looksLikeLine(_ text: String) -> Bool {
        text.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix(prefix + " ")
    }

    public var line: String {
        let base64 = Base64.encode(publicKey)
        return "\(Self.prefix) \(name) \(base64) \(Self.check(name: name, base64: base64))"
    }

    public var description: String { line }

    /// First 8 bytes of SHA-256 of the key, for comparing by eye.
    public var fingerprint: String {
        let digest = SHA256.hash(publicKey)
        return stride(from: 0, to: 8, by: 2).map { Array(digest[$0..<$0 + 2]).hexString }.joined(separator: ":")
    }

    // Codable as the line, so settings and exam files carry the same text people paste.
    public init(from decoder: Decoder) throws {
        let line = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(line: line) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(line)
    }

    static func check(name: String, base64: String) -> String {
        Array(SHA256.hash(Array("\(prefix) \(name) \(base64)".utf8))[0..<3]).hexString
    }

    /// Names become file names (`NAME.server.key`) and a field of a space-separated line.
    static func validate(name: String) throws(ProctorError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard !name.isEmpty, name.count <= 64, name.allSatisfy(allowed.contains), !name.hasPrefix(".") else {
            throw ProctorError(.usage, "the name '\(name)' is not usable: use 1-64 letters, digits, '.', '_' or '-'")
        }
    }
}
