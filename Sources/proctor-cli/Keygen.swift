import ArgumentParser
import Attest
import Foundation
import ProctorModel
import Seal

extension Proctor {
    struct Keygen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an instructor identity: a key to open bundles and to sign exam files.",
            discussion: """
            Writes NAME.key (secret: keep it private and backed up; without it no recording can be opened) \
            and NAME.pub (one line: share it, paste it into your course page, list it as an exam recipient).
            The secret file is encrypted with a passphrase read from PROCTOR_PASSPHRASE or asked on the terminal.
            With --server it makes a collection server's Ed25519 key instead: NAME.server.key (secret, \
            unencrypted so `proctor serve` starts unattended) and NAME.server.pub (pin it in the exam's [server] key).
            """
        )
        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("Your name as recipients will see it (letters, digits, '.', '_', '-').", valueName: "name"))
        var name: String

        @Option(help: ArgumentHelp("Folder to write NAME.key and NAME.pub into.", valueName: "dir"))
        var out: String = "."

        @Flag(help: "Store the secret key unencrypted (anyone who copies the file can open every recording).")
        var noPassphrase = false

        @Flag(help: "Make a collection server's signing key (NAME.server.key, NAME.server.pub) instead of an instructor identity.")
        var server = false

        mutating func run() async throws {
            let directory = URL(fileURLWithPath: out, isDirectory: true)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ProctorError(.missingInput, "the folder \(directory.path) does not exist; create it or choose another --out")
            }
            if server { return try writeServerKey(in: directory) }
            let identity = try InstructorIdentity.generate(name: name)
            let passphrase = noPassphrase ? nil : try PassphraseSource.interactive.newPassphrase(for: "\(name).key")
            if noPassphrase {
                FileHandle.standardError.write(Data("proctor: warning: \(name).key is not encrypted; anyone who copies it can open every recording sealed to you\n".utf8))
            }
            let written = try identity.write(to: directory, passphrase: passphrase)
            print("Wrote \(written.key.path) (secret, mode 0600) and \(written.pub.path)")
            print("Fingerprint: \(identity.recipientKey.fingerprint)")
            print(identity.recipientKey.line)
        }

        private func writeServerKey(in directory: URL) throws {
            let written = try ServerKeyFile.generate(name: name, in: directory)
            print("Wrote \(written.key.path) (secret, mode 0600) and \(written.pub.path)")
            print("Fingerprint: \(written.identity.fingerprint)")
            print(written.identity.line)
        }
    }
}
