import Foundation
import ProctorModel
import Seal

/// A value with one canonical encoding that travels signed: `body || Ed25519 signature`, where
/// the signature covers `context || body` (docs/server.md, "Wire formats"). The context string
/// differs per type, so a ticket's signature can never pass as a receipt's.
package protocol SignedWire: Sendable, Equatable {
    /// Domain separation: ASCII, signed before the body, never sent.
    static var signatureContext: String { get }
    /// Names the value in errors ("the ticket").
    static var noun: String { get }
    static var version: UInt8 { get }
    func encodeFields(into writer: inout WireWriter)
    static func decodeFields(from reader: inout WireReader) throws(ProctorError) -> Self
}

extension SignedWire {
    /// The canonical body: version byte, then the fields in their documented order.
    package var body: [UInt8] {
        var writer = WireWriter()
        writer.u8(Self.version)
        encodeFields(into: &writer)
        return writer.bytes
    }

    /// The bytes a signer signs.
    static func signedMessage(_ body: [UInt8]) -> [UInt8] { Array(signatureContext.utf8) + body }

    /// `body || signature`: what is sent and stored.
    package func signed(by key: SigningKey) -> [UInt8] {
        let body = self.body
        return body + key.sign(Self.signedMessage(body))
    }

    /// Parses and checks the signature under `publicKey`. A flipped byte, a truncation or a
    /// signature by any other key is `.verification` (exit 65); bytes that are not this
    /// format at all are `.badData`.
    package static func open(_ signed: [UInt8], publicKey: [UInt8]) throws(ProctorError) -> Self {
        let value = try decode(signed)
        let body = Array(signed.dropLast(SigningKey.signatureBytes))
        let signature = Array(signed.suffix(SigningKey.signatureBytes))
        guard Signing.verify(signature, of: signedMessage(body), publicKey: publicKey) else {
            throw ProctorError(.verification, "\(noun)'s signature does not verify under the expected key: it was altered or signed by someone else")
        }
        return value
    }

    /// Parses without checking the signature: only for showing what a refused value claimed.
    package static func decode(_ signed: [UInt8]) throws(ProctorError) -> Self {
        guard signed.count > SigningKey.signatureBytes else {
            throw ProctorError(.badData, "\(noun) is malformed: \(signed.count) bytes is too short to hold a signature")
        }
        var reader = WireReader(Array(signed.dropLast(SigningKey.signatureBytes)), what: noun)
        let version = try reader.u8()
        guard version == Self.version else {
            throw ProctorError(.badData, "\(noun) has format version \(version); this proctor reads version \(Self.version)")
        }
        let value = try decodeFields(from: &reader)
        try reader.finish()
        return value
    }
}
