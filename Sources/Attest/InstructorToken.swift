import Foundation
import ProctorModel
import Seal

/// The instructor dashboard's credential (docs/server.md, "Dashboard"): a short statement, "the
/// holder may read the metadata of my exams on the server with this key until T", signed with
/// the instructor key the server already trusts for publishing. It is made where the key is
/// (`proctor exam dashboard`), so the server holds no password and no session, and every
/// instance behind a load balancer checks it alike. It names the server's key, so a token for
/// one server is worthless at another that trusts the same instructor.
///
///     token = BASE64(JSON statement) "." BASE64(Ed25519 over "proctor-instructor-token-v1" || JSON bytes)
public struct InstructorToken: Codable, Sendable, Equatable {
    public static let signatureContext = Array("proctor-instructor-token-v1".utf8)
    /// A lost token is a reader of metadata until it expires: a working day at most.
    public static let longestLifetime: TimeInterval = 12 * 3600

    /// The instructor's `.pub` line.
    public var publisher: String
    /// Base64 of the server's Ed25519 public key the token is for.
    public var server: String
    public var issuedAt: Date
    public var expiresAt: Date

    public init(publisher: String, server: String, issuedAt: Date, expiresAt: Date) {
        self.publisher = publisher
        self.server = server
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
    }

    public func signed(by identity: InstructorIdentity) throws(ProctorError) -> String {
        guard let bytes = try? Array(Publication.encoder.encode(self)) else {
            throw ProctorError(.internalFailure, "could not encode the instructor token")
        }
        return Base64.encode(bytes) + "." + Base64.encode(identity.sign(Self.signatureContext + bytes))
    }

    /// Splits and decodes a token; the caller checks the signature (`verifies(under:)`) and the times.
    public static func read(_ text: String) -> (token: InstructorToken, statement: [UInt8], signature: [UInt8])? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let statement = Base64.decode(String(parts[0])), let signature = Base64.decode(String(parts[1])),
              let token = try? Publication.decoder.decode(InstructorToken.self, from: Data(statement)) else { return nil }
        return (token, statement, signature)
    }

    public static func verify(statement: [UInt8], signature: [UInt8], publicKey: [UInt8]) -> Bool {
        Signing.verify(signature, of: signatureContext + statement, publicKey: publicKey)
    }
}
