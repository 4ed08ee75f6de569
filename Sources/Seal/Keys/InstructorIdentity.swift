import Foundation
import ProctorModel

/// An instructor's secret identity: an X25519 key pair that opens sealed bundles and an
/// Ed25519 key pair that signs exam files. Loaded from `NAME.key` (docs/keys.md).
public final class InstructorIdentity: Sendable {
    public let name: String
    public let boxPublicKey: [UInt8]
    public let boxSecretKey: SecretBytes
    public let signPublicKey: [UInt8]
    /// libsodium's 64-byte Ed25519 secret key (seed + public key).
    let signSecretKey: SecretBytes
    /// The 32-byte seed: what is stored at rest.
    let signSeed: SecretBytes

    init(name: String, boxSecretKey: SecretBytes, signSeed: SecretBytes) throws(ProctorError) {
        try RecipientKey.validate(name: name)
        self.name = name
        self.boxSecretKey = boxSecretKey
        self.boxPublicKey = try BoxKeys.publicKey(for: boxSecretKey)
        self.signSeed = signSeed
        (self.signPublicKey, self.signSecretKey) = try Signing.keyPair(seed: signSeed)
    }

    /// A new identity from fresh randomness.
    public static func generate(name: String) throws(ProctorError) -> InstructorIdentity {
        try CoreDumps.disable()
        try Sodium.ensureInitialised()
        let box = BoxKeys.generate()
        return try InstructorIdentity(name: name, boxSecretKey: box.secretKey,
                                      signSeed: SecretBytes.random(count: Signing.seedBytes))
    }

    /// Unlocks `NAME.key`. A wrong passphrase is `ProctorError(.key)` (exit 77).
    /// A key file that others can read prints one warning line on stderr and is still used:
    /// refusing would lock an instructor out of their recordings over a mode bit.
    public static func load(from url: URL, passphrase: PassphraseSource) throws(ProctorError) -> InstructorIdentity {
        // Before the passphrase is read or the secrets decrypted, not after.
        try CoreDumps.disable()
        try Sodium.ensureInitialised()
        let file = try KeyFile.read(url)
        if let warning = KeyFile.exposureWarning(url) {
            FileHandle.standardError.write(Data((warning + "\n").utf8))
        }
        return try file.unlock(passphrase: passphrase, path: url.path)
    }

    /// Detached Ed25519 signature.
    public func sign(_ bytes: [UInt8]) -> [UInt8] {
        Signing.sign(bytes, secretKey: signSecretKey)
    }

    /// What others need to seal bundles to this instructor and to check their exam files.
    public var recipientKey: RecipientKey {
        // Both keys were derived from valid secrets, so the lengths are right by construction.
        try! RecipientKey(name: name, boxPublicKey: boxPublicKey, signPublicKey: signPublicKey)
    }

    /// Writes `NAME.key` (mode 0600, never overwritten) and `NAME.pub` into `directory`.
    /// `passphrase` nil stores the secrets unencrypted (`keygen --no-passphrase`).
    public func write(to directory: URL, passphrase: SecretBytes?) throws(ProctorError) -> (key: URL, pub: URL) {
        try write(to: directory, passphrase: passphrase, cost: .moderate)
    }

    /// `cost` is lowered only by tests; the cost used is stored in the file.
    func write(to directory: URL, passphrase: SecretBytes?, cost: PasswordHash.Cost) throws(ProctorError) -> (key: URL, pub: URL) {
        let keyURL = directory.appendingPathComponent("\(name).key")
        let pubURL = directory.appendingPathComponent("\(name).pub")
        for url in [keyURL, pubURL] where FileManager.default.fileExists(atPath: url.path) {
            throw ProctorError(.usage, "\(url.path) already exists; choose another --name or --out (keys are never overwritten)")
        }
        let secrets = SecretBytes.concatenating(boxSecretKey, signSeed)
        let file = try KeyFile.make(identity: self, secrets: secrets, passphrase: passphrase, cost: cost)
        try FileOutput.writeNew(file.encoded(), to: keyURL, mode: 0o600)
        try FileOutput.writeNew(Array((recipientKey.line + "\n").utf8), to: pubURL, mode: 0o644)
        return (keyURL, pubURL)
    }
}

/// Creating files that must not already exist, with a mode set before any byte is written.
package enum FileOutput {
    package static func writeNew(_ bytes: [UInt8], to url: URL, mode: mode_t) throws(ProctorError) {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            let code: ProctorError.Code = errno == EACCES || errno == EPERM ? .permission : (errno == ENOENT ? .missingInput : .io)
            throw ProctorError(code, "cannot create \(url.path): \(reason)")
        }
        defer { close(fd) }
        // open() already created it with `mode` less the umask, so it was never wider than
        // `mode`; fchmod only puts back bits the umask removed (a .pub must be world-readable).
        guard fchmod(fd, mode) == 0 else {
            throw ProctorError(.io, "cannot set the mode of \(url.path): \(String(cString: strerror(errno)))")
        }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else {
                throw ProctorError(.io, "cannot write \(url.path): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        guard fsync(fd) == 0 else { throw ProctorError(.io, "cannot write \(url.path): \(String(cString: strerror(errno)))") }
    }
}
