internal import CSodium
import Foundation
import ProctorModel

/// The on-disk form of `NAME.key` (JSON, documented in docs/keys.md): public keys in clear,
/// the two 32-byte secrets (X25519 secret key, Ed25519 seed) sealed with XSalsa20-Poly1305
/// under an Argon2id key derived from the passphrase, or stored in clear with `kdf: "none"`.
struct KeyFile: Codable {
    static let format = "proctor-key-v1"

    struct KDF: Codable {
        var algorithm: String
        var salt: String
        var opsLimit: UInt64
        var memLimit: UInt64
    }

    var format: String
    var name: String
    var boxPublicKey: String
    var signPublicKey: String
    /// nil: the secrets are not encrypted (`keygen --no-passphrase`).
    var kdf: KDF?
    var nonce: String?
    /// base64 of the sealed (or, without a kdf, plain) 64 secret bytes.
    var secrets: String

    static func make(identity: InstructorIdentity, secrets: SecretBytes, passphrase: SecretBytes?, cost: PasswordHash.Cost) throws(ProctorError) -> KeyFile {
        var file = KeyFile(format: format, name: identity.name, boxPublicKey: Base64.encode(identity.boxPublicKey),
                           signPublicKey: Base64.encode(identity.signPublicKey), kdf: nil, nonce: nil, secrets: "")
        if let passphrase {
            let salt = Sodium.randomBytes(PasswordHash.saltBytes)
            let nonce = Sodium.randomBytes(SecretBox.nonceBytes)
            let key = try PasswordHash.deriveKey(passphrase: passphrase, salt: salt, cost: cost)
            file.kdf = KDF(algorithm: "argon2id13", salt: Base64.encode(salt), opsLimit: cost.opsLimit, memLimit: cost.memLimit)
            file.nonce = Base64.encode(nonce)
            file.secrets = Base64.encode(SecretBox.seal(secrets, key: key, nonce: nonce))
        } else {
            // Stored in clear by request (--no-passphrase); the transient copy is still wiped.
            var clear = secrets.withUnsafeBytes { Array($0) }
            defer { clear.withUnsafeMutableBytes { sodium_memzero($0.baseAddress, $0.count) } }
            file.secrets = Base64.encode(clear)
        }
        return file
    }

    func encoded() throws(ProctorError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            return Array(try encoder.encode(self)) + [UInt8(ascii: "\n")]
        } catch {
            throw ProctorError(.internalFailure, "could not encode the key file: \(error)")
        }
    }

    static func read(_ url: URL) throws(ProctorError) -> KeyFile {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ProctorError(.missingInput, "cannot read the key file \(url.path): no such file or not readable")
        }
        let file: KeyFile
        do {
            file = try JSONDecoder().decode(KeyFile.self, from: data)
        } catch {
            throw ProctorError(.badData, "\(url.path) is not a proctor key file (was it edited or truncated?)")
        }
        guard file.format == format else {
            throw ProctorError(.badData, "\(url.path) has format '\(file.format)'; this proctor reads \(format)")
        }
        return file
    }

    /// The warning for a key file whose mode lets the group or others read it, if it does.
    static func exposureWarning(_ url: URL) -> String? {
        var info = stat()
        guard stat(url.path, &info) == 0, info.st_mode & 0o077 != 0 else { return nil }
        let mode = String(info.st_mode & 0o777, radix: 8)
        return "proctor: warning: \(url.path) can be read by other users (mode \(mode)); run `chmod 600 \(url.path)`"
    }

    func unlock(passphrase source: PassphraseSource, path: String) throws(ProctorError) -> InstructorIdentity {
        let damaged = ProctorError(.badData, "\(path) is damaged: a field is not valid base64 of the right length")
        guard var sealed = Base64.decode(secrets) else { throw damaged }
        // Without a kdf these are the secrets themselves: wipe the decoded copy once moved.
        defer { sealed.withUnsafeMutableBytes { sodium_memzero($0.baseAddress, $0.count) } }
        let plain: SecretBytes
        if let kdf {
            guard kdf.algorithm == "argon2id13" else {
                throw ProctorError(.badData, "\(path) uses key derivation '\(kdf.algorithm)', which this proctor does not know")
            }
            guard let salt = Base64.decode(kdf.salt), let nonceText = nonce, let nonce = Base64.decode(nonceText) else { throw damaged }
            let passphrase = try source.passphrase(for: name)
            let key = try PasswordHash.deriveKey(passphrase: passphrase, salt: salt,
                                                 cost: .init(opsLimit: kdf.opsLimit, memLimit: kdf.memLimit))
            guard let opened = SecretBox.open(sealed, key: key, nonce: nonce) else {
                throw ProctorError(.key, "wrong passphrase for \(path)")
            }
            plain = opened
        } else {
            plain = SecretBytes(copying: sealed)
        }
        guard plain.count == BoxKeys.secretKeyBytes + Signing.seedBytes else { throw damaged }
        let identity = try InstructorIdentity(name: name, boxSecretKey: plain.slice(0..<32), signSeed: plain.slice(32..<64))
        // The public halves are stored in clear for tools that only need them; an edit there
        // must not make us sign or seal under keys that do not match the secrets.
        guard Base64.encode(identity.boxPublicKey) == boxPublicKey, Base64.encode(identity.signPublicKey) == signPublicKey else {
            throw ProctorError(.badData, "\(path) is damaged: its public keys do not match its secret keys")
        }
        return identity
    }
}
