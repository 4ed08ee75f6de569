import Foundation
import ProctorModel

/// Someone who can open a bundle: an X25519 public key and the name it is shown under.
public struct BundleRecipient: Sendable, Equatable, Codable {
    public var name: String
    public var publicKey: [UInt8]

    public init(name: String, publicKey: [UInt8]) {
        self.name = name
        self.publicKey = publicKey
    }
}

/// The public session header: readable by anyone holding the file, bound into every sealed record.
public struct BundleHeader: Sendable, Equatable {
    public var examId: String
    /// SHA-256 of the signed exam file the session ran under.
    public var examFileSHA256: [UInt8]
    public var studentId: String
    public var sessionId: String
    /// Wall-clock start, informational only (stored in whole milliseconds).
    public var startTime: Date
    public var recipients: [BundleRecipient]
    public var cipher: BundleCipher
    /// The signed attempt ticket from the exam's collection server (docs/server.md), opaque
    /// here: bound into every record through the header hash. nil: no server (format version 1).
    public var attemptTicket: [UInt8]? = nil

    public init(examId: String, examFileSHA256: [UInt8], studentId: String, sessionId: String, startTime: Date,
                recipients: [BundleRecipient], cipher: BundleCipher) {
        self.examId = examId
        self.examFileSHA256 = examFileSHA256
        self.studentId = studentId
        self.sessionId = sessionId
        self.startTime = startTime
        self.recipients = recipients
        self.cipher = cipher
    }

    /// A header whose cipher is `BundleCipher.preferred` for this process's environment.
    public init(examId: String, examFileSHA256: [UInt8], studentId: String, sessionId: String, startTime: Date,
                recipients: [BundleRecipient]) throws(ProctorError) {
        let cipher = try BundleCipher.preferred(environment: ProcessInfo.processInfo.environment)
        self.init(examId: examId, examFileSHA256: examFileSHA256, studentId: studentId, sessionId: sessionId,
                  startTime: startTime, recipients: recipients, cipher: cipher)
    }
}

extension BundleRecipient {
    /// The recipient an instructor's public key file (`NAME.pub`) describes.
    public init(_ key: RecipientKey) {
        self.init(name: key.name, publicKey: key.boxPublicKey)
    }
}

/// An X25519 key pair, unlocked in memory, that opens bundles sealed to its public key.
public struct BundleKey: Sendable {
    public let publicKey: [UInt8]
    let secretKey: SecretBytes

    /// Fails when the public key is not the one the secret key determines: opening with a
    /// mismatched pair would misreport tampering.
    public init(secretKey: SecretBytes, publicKey: [UInt8]) throws(ProctorError) {
        guard try BoxKeys.publicKey(for: secretKey) == publicKey else {
            throw ProctorError(.key, "this key file is damaged: its public key does not match its secret key")
        }
        self.secretKey = secretKey
        self.publicKey = publicKey
    }

    /// The bundle-opening half of an unlocked instructor identity (`NAME.key`).
    public init(_ identity: InstructorIdentity) {
        secretKey = identity.boxSecretKey
        publicKey = identity.boxPublicKey
    }
}
