import Exam
import Foundation
import ProctorModel
import Seal

/// Whose exam files `proctor export` accepts: the exporting instructor's own identity and the
/// keys they chose to trust (`--trust NAME.pub`, and every `.pub` in the trusted-keys folder).
/// A key is matched by its Ed25519 signing key, the one that verified the exam file's
/// signature: a signer line may copy anyone's name and encryption key, never their signature.
public struct ExamTrust: Sendable {
    public struct Key: Sendable {
        public var key: RecipientKey
        /// How the report names why it is trusted: "your key (NAME)" or the `.pub` file's path.
        public var source: String
    }

    public private(set) var keys: [Key] = []

    public init() {}

    /// The exporting instructor's identity.
    public mutating func trustOwn(_ key: RecipientKey) {
        keys.append(Key(key: key, source: "your key (\(key.name))"))
    }

    public mutating func trust(_ key: RecipientKey, from file: String) {
        keys.append(Key(key: key, source: file))
    }

    /// `--trust` files, then the `.pub` files of the trusted-keys folder (name order). A file
    /// named on the command line that cannot be read is an error; the folder is optional.
    public mutating func load(files: [URL], folder: URL?) throws(ProctorError) {
        for file in files { trust(try RecipientKey(contentsOf: file), from: file.path) }
        guard let folder, let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
        for name in names.sorted() where name.hasSuffix(".pub") {
            let url = folder.appendingPathComponent(name)
            do {
                trust(try RecipientKey(contentsOf: url), from: url.path)
            } catch {
                throw ProctorError(error.code, "trusted key \(url.path): \(error.message)", detail: error.detail)
            }
        }
    }

    /// `$XDG_CONFIG_HOME/proctor/trusted`, or `~/.config/proctor/trusted` (docs/export.md).
    public static func defaultFolder(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let config = environment["XDG_CONFIG_HOME"], config.hasPrefix("/") {
            return URL(fileURLWithPath: config).appendingPathComponent("proctor/trusted")
        }
        let home = environment["HOME"].map { URL(fileURLWithPath: $0) } ?? FileManager.default.homeDirectoryForCurrentUser
        return home.appendingPathComponent(".config/proctor/trusted")
    }

    func match(_ signer: [UInt8]) -> Key? {
        keys.first { $0.key.signPublicKey == signer }
    }
}

/// The exam files of the exam folders, by the SHA-256 of their bytes. A bundle names its exam
/// by that hash, so the file is found by content: the exam id in the header is never turned
/// into a path (a file planted under that name, in an inbox `submit` writes to, lends nothing).
final class ExamIndex: @unchecked Sendable {
    /// Exam files are a few kilobytes; anything far larger is not one.
    static let maximumBytes = 1 << 20

    private let directories: [URL]
    private let lock = NSLock()
    private var byHash: [String: (url: URL, exam: ExamFile)]?

    init(directories: [URL]) {
        self.directories = directories
    }

    /// `--exams` folders first, then where `begin` looks ($PROCTOR_EXAM_DIR, the current
    /// folder, ~/.local/share/proctor/exams).
    static func directories(given: [URL], environment: [String: String]) -> [URL] {
        given + ExamLocator.searchDirectories(environment: environment,
                                              currentDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
    }

    /// The verified exam file whose bytes hash to `sha256`, if any folder holds one.
    func exam(sha256: [UInt8]) -> (url: URL, exam: ExamFile)? {
        lock.lock()
        defer { lock.unlock() }
        if byHash == nil { byHash = scan() }
        return byHash?[sha256.hexString]
    }

    private func scan() -> [String: (url: URL, exam: ExamFile)] {
        var found: [String: (url: URL, exam: ExamFile)] = [:]
        for directory in directories {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { continue }
            for name in names.sorted() where name.hasSuffix(".exam") {
                let url = directory.appendingPathComponent(name)
                guard let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int, size <= Self.maximumBytes,
                      let bytes = try? Array(Data(contentsOf: url)), let exam = try? ExamFile.decode(bytes) else { continue }
                let hash = exam.sha256.hexString
                if found[hash] == nil { found[hash] = (url, exam) }
            }
        }
        return found
    }

    /// The report's statement about the exam a bundle names.
    static func issuer(_ header: BundleHeader, found: (url: URL, exam: ExamFile)?, trust: ExamTrust) -> ReportModel.ExamIssuer {
        var issuer = ReportModel.ExamIssuer(status: .notFound, examFileSHA256: header.examFileSHA256.hexString, examID: header.examId)
        guard let found else { return issuer }
        issuer.file = found.url.lastPathComponent
        issuer.signer = found.exam.signer.name
        issuer.signerFingerprint = found.exam.signer.fingerprint
        if let key = trust.match(found.exam.signerPublicKey) {
            issuer.status = .trusted
            issuer.trustedAs = key.source
        } else {
            issuer.status = .untrusted
        }
        return issuer
    }
}
