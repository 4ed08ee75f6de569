import Foundation
import XCTest
@testable import Seal

/// The checked-in vectors pin the format: fixed recipient keys and a seeded source of content
/// keys, signing seeds and sealed-box ephemerals make the writer's output reproducible byte for
/// byte. Regenerate (only for a deliberate format change) with PROCTOR_WRITE_BUNDLE_VECTOR=1.
final class BundleVectorTests: XCTestCase {
    typealias Kit = BundleTestKit

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/bundle-vector")

    static func vector(_ cipher: BundleCipher) throws -> [UInt8] {
        try Kit.smallBundle(Kit.header(cipher: cipher), entropy: SeededEntropy(seed: Array("proctor bundle vector v1".utf8)))
    }

    static func fileName(_ cipher: BundleCipher) -> String {
        cipher == .aes256GCM ? "vector-aes256gcm.proctor" : "vector-xchacha20poly1305.proctor"
    }

    func testWriterReproducesTheCheckedInVectors() throws {
        for cipher in BundleCipher.allCases {
            let written = try Self.vector(cipher)
            let url = Self.directory.appendingPathComponent(Self.fileName(cipher))
            if ProcessInfo.processInfo.environment["PROCTOR_WRITE_BUNDLE_VECTOR"] == "1" {
                try Data(written).write(to: url)
                try writeDescription()
            }
            let checkedIn = Array(try Data(contentsOf: url))
            XCTAssertEqual(written.count, checkedIn.count, "\(cipher) vector length changed")
            XCTAssertEqual(written, checkedIn, "the \(cipher) bundle format drifted from Tests/Fixtures/bundle-vector")
        }
    }

    func testCheckedInVectorsOpenWithEachKey() throws {
        for cipher in BundleCipher.allCases {
            let bytes = Array(try Data(contentsOf: Self.directory.appendingPathComponent(Self.fileName(cipher))))
            XCTAssertEqual(try BundleReader(bytes: bytes).header, Kit.header(cipher: cipher))
            for recipient in [Kit.alice, Kit.bob] {
                let records = try Kit.readAll(bytes, key: recipient.key)
                XCTAssertEqual(records.dropLast().map { $0.payload! }, Kit.records.map(\.1))
                XCTAssertEqual(BundleReader.verify(bytes: bytes, key: recipient.key).status, .intact)
            }
        }
    }

    /// vector.json: the keys and plaintexts an independent reader needs to check itself.
    private func writeDescription() throws {
        struct Record: Encodable { let type: UInt8; let payloadHex: String }
        struct Recipient: Encodable { let name: String; let x25519SecretKeyHex: String; let x25519PublicKeyHex: String }
        struct Description: Encodable {
            let files: [String]
            let examId, examFileSHA256Hex, studentId, sessionId: String
            let startTimeUnixMilliseconds: Int64
            let recipients: [Recipient]
            let records: [Record]
            let mediaDurationSeconds: Double
        }
        let header = Kit.header()
        let description = Description(
            files: BundleCipher.allCases.map(Self.fileName), examId: header.examId, examFileSHA256Hex: header.examFileSHA256.hexString,
            studentId: header.studentId, sessionId: header.sessionId,
            startTimeUnixMilliseconds: Int64((header.startTime.timeIntervalSince1970 * 1000).rounded()),
            recipients: [Kit.alice, Kit.bob].map { recipient in
                Recipient(name: recipient.name, x25519SecretKeyHex: recipient.secretKey.withUnsafeBytes { Array($0) }.hexString,
                          x25519PublicKeyHex: recipient.publicKey.hexString)
            },
            records: Kit.records.map { Record(type: $0.0.rawValue, payloadHex: $0.1.hexString) } + [Record(type: 0x7E, payloadHex: "0400000000000000")],
            mediaDurationSeconds: 2.5)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(description).write(to: Self.directory.appendingPathComponent("vector.json"))
    }
}
