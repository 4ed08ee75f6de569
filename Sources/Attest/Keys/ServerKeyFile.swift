import Foundation
import ProctorModel
import Seal

/// The collection server's secret key, `NAME.server.key` (mode 0600): JSON with `format`
/// (`proctor-server-key-v1`), `name`, `publicKey` and `seed` (base64). It is deliberately not
/// passphrase-protected: `proctor serve` must start unattended after a reboot. It signs tickets
/// and receipts only; it opens no recording (docs/threat-model.md).
package struct ServerKeyFile: Codable {
    static let format = "proctor-server-key-v1"

    let format: String
    let name: String
    let publicKey: String
    let seed: String

    /// Writes `NAME.server.key` and `NAME.server.pub` into `directory`, never overwriting.
    package static func generate(name: String, in directory: URL) throws(ProctorError) -> (key: URL, pub: URL, identity: ServerPublicKey) {
        let key = try SigningKey.generate()
        let identity = try ServerPublicKey(name: name, publicKey: key.publicKey)
        let keyURL = directory.appendingPathComponent("\(name).server.key")
        let pubURL = directory.appendingPathComponent("\(name).server.pub")
        for url in [keyURL, pubURL] where FileManager.default.fileExists(atPath: url.path) {
            throw ProctorError(.usage, "\(url.path) already exists; choose another --name or --out (keys are never overwritten)")
        }
        let file = ServerKeyFile(format: format, name: name, publicKey: Base64.encode(key.publicKey), seed: Base64.encode(key.seed.exposedBytes))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let json = try? encoder.encode(file) else { throw ProctorError(.internalFailure, "could not encode the server key") }
        try FileOutput.writeNew(Array(json) + [0x0A], to: keyURL, mode: 0o600)
        try FileOutput.writeNew(Array((identity.line + "\n").utf8), to: pubURL, mode: 0o644)
        return (keyURL, pubURL, identity)
    }

    /// Loads the key; a damaged file (the public key does not match the seed) is exit 65.
    package static func load(_ url: URL) throws(ProctorError) -> (key: SigningKey, identity: ServerPublicKey) {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ProctorError(.missingInput, "cannot read the server key \(url.path)")
        }
        guard let file = try? JSONDecoder().decode(ServerKeyFile.self, from: data), file.format == format,
              let seed = Base64.decode(file.seed), seed.count == SigningKey.seedBytes,
              let stored = Base64.decode(file.publicKey) else {
            throw ProctorError(.badData, "\(url.path) is not a proctor server key (\(format))")
        }
        let key = try SigningKey(seed: SecretBytes.copying(seed))
        guard key.publicKey == stored else {
            throw ProctorError(.badData, "\(url.path) is damaged: its public key does not match its seed")
        }
        return (key, try ServerPublicKey(name: file.name, publicKey: key.publicKey))
    }
}
