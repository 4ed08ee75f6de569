internal import CSodium
import Foundation
import ProctorModel

/// Where a key file's passphrase comes from.
public enum PassphraseSource: Sendable {
    /// `PROCTOR_PASSPHRASE`, else a no-echo prompt on the terminal, else an error saying how
    /// to provide one.
    case interactive
    /// Given by the caller (tests, or a program that already asked).
    case text(String)

    static let environmentVariable = "PROCTOR_PASSPHRASE"

    /// The passphrase to unlock an existing key file.
    func passphrase(for keyName: String) throws(ProctorError) -> SecretBytes {
        switch self {
        case .text(let text):
            var text = text
            return text.withUTF8 { SecretBytes(copying: UnsafeRawBufferPointer($0)) }
        case .interactive:
            // Straight from the environment block into guarded memory: no Swift String or
            // array copy of the passphrase is left on the heap.
            if let fromEnvironment = getenv(Self.environmentVariable) {
                return SecretBytes(copying: UnsafeRawBufferPointer(start: fromEnvironment, count: strlen(fromEnvironment)))
            }
            return try Terminal.readSecret(prompt: "Passphrase for \(keyName): ")
        }
    }

    /// A new passphrase for a key being created: typed twice when it comes from the terminal.
    public func newPassphrase(for keyName: String) throws(ProctorError) -> SecretBytes {
        let first: SecretBytes
        let fromTerminal = if case .interactive = self { ProcessInfo.processInfo.environment[Self.environmentVariable] == nil } else { false }
        if fromTerminal {
            first = try Terminal.readSecret(prompt: "New passphrase for \(keyName): ")
            let second = try Terminal.readSecret(prompt: "Repeat the passphrase: ")
            let same = first.withUnsafeBytes { a in
                second.withUnsafeBytes { b in a.count == b.count && (a.count == 0 || sodium_memcmp(a.baseAddress, b.baseAddress, a.count) == 0) }
            }
            guard same else { throw ProctorError(.key, "the two passphrases differ; nothing was written") }
        } else {
            first = try passphrase(for: keyName)
        }
        guard first.count > 0 else {
            throw ProctorError(.key, "the passphrase is empty; choose one, or use --no-passphrase")
        }
        return first
    }
}

/// A no-echo read from the controlling terminal (not stdin, which may carry data).
enum Terminal {
    static func readSecret(prompt: String) throws(ProctorError) -> SecretBytes {
        let fd = open("/dev/tty", O_RDWR | O_NOCTTY)
        guard fd >= 0 else {
            throw ProctorError(.key, "a passphrase is needed but there is no terminal to ask on; set PROCTOR_PASSPHRASE")
        }
        defer { close(fd) }
        var saved = termios()
        let isTerminal = tcgetattr(fd, &saved) == 0
        if isTerminal {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            quiet.c_lflag |= tcflag_t(ECHONL)
            tcsetattr(fd, TCSANOW, &quiet)
        }
        defer { if isTerminal { tcsetattr(fd, TCSANOW, &saved) } }
        _ = prompt.withCString { write(fd, $0, strlen($0)) }

        let secret = SecretBytes(count: 1024)
        var length = 0
        let complete = secret.withUnsafeMutableBytes { buffer -> Bool in
            var byte: UInt8 = 0
            while length < buffer.count {
                guard read(fd, &byte, 1) == 1 else { return false }
                if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") { return true }
                buffer[length] = byte
                length += 1
            }
            return true
        }
        guard complete else { throw ProctorError(.key, "no passphrase was entered") }
        return secret.prefix(length)
    }
}
