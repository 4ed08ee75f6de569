import Foundation
import XCTest
@testable import Seal

/// Fixed recipients, headers and small real bundles shared by the bundle tests.
enum BundleTestKit {
    struct Recipient {
        let name: String
        let secretKey: SecretBytes
        let publicKey: [UInt8]
        var recipient: BundleRecipient { BundleRecipient(name: name, publicKey: publicKey) }
        var key: BundleKey { try! BundleKey(secretKey: secretKey, publicKey: publicKey) }
    }

    /// A recipient whose X25519 secret is SHA-256 of its name: fixed, so vectors are reproducible.
    static func recipient(_ name: String) -> Recipient {
        let secret = SecretBytes(copying: SHA256.hash(Array("proctor test recipient \(name)".utf8)))
        return Recipient(name: name, secretKey: secret, publicKey: try! BoxKeys.publicKey(for: secret))
    }

    static let alice = recipient("alice")
    static let bob = recipient("bob")
    static let carol = recipient("carol")

    static func header(_ recipients: [Recipient] = [alice, bob], cipher: BundleCipher = .aes256GCM,
                       student: String = "s1234567", session: String = "session-0001") -> BundleHeader {
        BundleHeader(examId: "MATH101-final", examFileSHA256: SHA256.hash(Array("exam file".utf8)), studentId: student,
                     sessionId: session, startTime: Date(timeIntervalSince1970: 1_790_000_000.123),
                     recipients: recipients.map(\.recipient), cipher: cipher)
    }

    /// The records every small test bundle holds, in order.
    static let records: [(RecordType, [UInt8])] = [
        (.metadata, Array(#"{"camera":"lavfi testsrc"}"#.utf8)),
        (.media, (0..<40).map { UInt8($0) }),
        (.timeline, Array(#"{"t":1.5,"kind":"face.absent"}"#.utf8)),
        (.photo, []),
    ]

    static func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-bundle-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes a finished bundle with `records` and returns its bytes.
    static func smallBundle(_ header: BundleHeader = header(), records: [(RecordType, [UInt8])] = records,
                            entropy: (any BundleEntropy)? = nil, finish: Bool = true) throws -> [UInt8] {
        let url = temporaryDirectory().appendingPathComponent("small.proctor")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let writer = try BundleWriter(creating: url, header: header, options: .init(), entropy: entropy ?? SystemEntropy())
        for (type, payload) in records { try writer.append(type, payload) }
        if finish { try writer.finish(mediaDuration: 2.5) } else { try writer.sync() }
        return Array(try Data(contentsOf: url))
    }

    /// Every sealed record of a bundle that must read cleanly.
    static func readAll(_ bytes: [UInt8], key: BundleKey?) throws -> [BundleRecord] {
        let reader = try BundleReader(bytes: bytes, key: key)
        var records: [BundleRecord] = []
        while let record = try reader.next() { records.append(record) }
        return records
    }

    /// Byte ranges of a one-part bundle's units: session header, part header, records, final.
    struct Layout {
        var units: [Range<Int>] = []
        func unitStart(containing byte: Int) -> Int { units.first { $0.contains(byte) }!.lowerBound }
    }

    static func layout(of bytes: [UInt8], recipients: Int) throws -> Layout {
        let sessionEnd = 14 + (Int(bytes[10]) | Int(bytes[11]) << 8 | Int(bytes[12]) << 16 | Int(bytes[13]) << 24)
        let partEnd = sessionEnd + BundleFormat.partHeaderByteCount(recipients: recipients)
        var layout = Layout(units: [0..<sessionEnd, sessionEnd..<partEnd])
        for record in try readAll(bytes, key: nil) {
            layout.units.append(record.offset..<(record.offset + BundleFormat.frameHeaderByteCount + record.sealedLength))
        }
        layout.units.append(layout.units.last!.upperBound..<bytes.count)
        return layout
    }
}
