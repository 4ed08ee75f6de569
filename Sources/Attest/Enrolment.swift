import Foundation
import ProctorModel
import Seal

/// A student's enrolment code: what the instructor hands out (`proctor exam roster`) and the
/// student types at `begin`. The server stores only `digest`, so its database admits nobody.
public enum EnrolmentCode {
    /// Crockford base32 without I, L, O, U: nothing to misread when copied by hand.
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    /// 12 symbols (60 bits) in three groups: `7K3Q-M2XD-9PRT`.
    public static func generate() -> String {
        let symbols = Sodium.randomBytes(12).map { alphabet[Int($0 & 31)] }
        return [symbols[0..<4], symbols[4..<8], symbols[8..<12]].map { String($0) }.joined(separator: "-")
    }

    /// Case, spaces and dashes do not matter when a student types it.
    public static func normalise(_ code: String) -> String {
        code.uppercased().filter { $0 != "-" && !$0.isWhitespace }
    }

    /// SHA-256 over `proctor-enrolment-v1 || str exam id || str student id || str code`
    /// (the wire `str`): a code is good for one student of one exam only.
    public static func digest(examId: String, studentId: String, code: String) -> [UInt8] {
        var writer = WireWriter()
        writer.fixed(Array("proctor-enrolment-v1".utf8))
        writer.str(examId)
        writer.str(studentId)
        writer.str(normalise(code))
        return SHA256.hash(writer.bytes)
    }

    /// The institution token of an open exam is hashed the same way, with no student.
    public static func tokenDigest(examId: String, token: String) -> [UInt8] {
        digest(examId: examId, studentId: "", code: token)
    }
}

/// The instructor's request to register an exam with a server (`proctor exam publish`): the
/// JSON `Publication`, sent as bytes with the instructor's Ed25519 signature over
/// `proctor-publish-v1 || those bytes`, so the server checks exactly what was signed.
public struct Publication: Codable, Sendable, Equatable {
    public static let signatureContext = Array("proctor-publish-v1".utf8)

    /// The signed exam file, base64.
    public var exam: String
    public var roster: [Student]
    /// Hex SHA-256 (`EnrolmentCode.tokenDigest`) of the token that admits any student; nil: roster only.
    public var openTokenSHA256: String?
    public var opensAt: Date?
    public var closesAt: Date?
    /// When the instructor signed: the server refuses a publication older than 15 minutes.
    public var signedAt: Date

    public struct Student: Codable, Sendable, Equatable {
        public var student: String
        /// Hex `EnrolmentCode.digest`.
        public var codeSHA256: String

        public init(student: String, codeSHA256: String) {
            self.student = student
            self.codeSHA256 = codeSHA256
        }
    }

    public init(exam: String, roster: [Student], openTokenSHA256: String? = nil, opensAt: Date? = nil, closesAt: Date? = nil, signedAt: Date) {
        self.exam = exam
        self.roster = roster
        self.openTokenSHA256 = openTokenSHA256
        self.opensAt = opensAt
        self.closesAt = closesAt
        self.signedAt = signedAt
    }

    /// The request body: `{"publication": BASE64, "publisher": PUB LINE, "signature": BASE64}`.
    public struct Envelope: Codable, Sendable {
        public var publication: String
        public var publisher: String
        public var signature: String

        public init(publication: String, publisher: String, signature: String) {
            self.publication = publication
            self.publisher = publisher
            self.signature = signature
        }
    }

    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    /// Signs this publication with an instructor identity.
    public func envelope(signedBy identity: InstructorIdentity) throws(ProctorError) -> Envelope {
        guard let bytes = try? Array(Self.encoder.encode(self)) else {
            throw ProctorError(.internalFailure, "could not encode the publication")
        }
        return Envelope(publication: Base64.encode(bytes), publisher: identity.recipientKey.line,
                        signature: Base64.encode(identity.sign(Self.signatureContext + bytes)))
    }
}
