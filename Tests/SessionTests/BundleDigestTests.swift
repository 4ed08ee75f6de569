import Foundation
import TestTools
import XCTest
@testable import ProctorModel
@testable import Seal

/// The bundle's SHA-256 (part header chain, final manifest) is read back from the file at part
/// start and at finish, not computed while sealing (docs/bundle-format.md, Speed).
final class BundleDigestTests: XCTestCase {
    typealias Kit = BundleTestKit

    func testFileHashReadsBackAnyRangeInPiecesOfAnySize() throws {
        let directory = Kit.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try BundleAppendFile.create(path: directory.appendingPathComponent("hash.bin").path)
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        try bytes.withUnsafeBytes { try file.append($0) }
        try file.sync()
        XCTAssertEqual(file.length, bytes.count)
        for (offset, chunk) in [(0, 1 << 20), (0, 7), (3, 4096), (9_999, 1)] {
            var hasher = SHA256.Incremental()
            try file.hash(into: &hasher, from: offset, to: bytes.count, chunk: chunk)
            let digest = hasher.finalize()
            XCTAssertEqual(digest, SHA256.hash(Array(bytes[offset...])), "from \(offset) in pieces of \(chunk)")
        }
        var hasher = SHA256.Incremental()
        XCTAssertThrowsError(try file.hash(into: &hasher, from: 0, to: bytes.count + 1)) {
            XCTAssertEqual(($0 as! ProctorError).code, .io, "a file shorter than what was written")
        }
        try file.close()
    }

    /// `SHA256.hash(contentsOf:)`, what review files and the server's arrival check bind to:
    /// the same as coreutils across several 1 MiB pieces, and a missing file is missing input.
    func testWholeFileHashIsCoreutilsOverSeveralPieces() throws {
        let directory = Kit.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("whole.bin")
        let bytes = (0..<(5 << 19) + 3).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ $0 >> 11) }
        try Data(bytes).write(to: url)
        XCTAssertEqual(try SHA256.hash(contentsOf: url.path).hexString, try Coreutils.sha256sum(url))
        XCTAssertEqual(try SHA256.hash(contentsOf: url.path), SHA256.hash(bytes))
        XCTAssertThrowsError(try SHA256.hash(contentsOf: directory.appendingPathComponent("absent").path)) {
            XCTAssertEqual(($0 as! ProctorError).code, .missingInput)
        }
    }

    func testABundleLargerThanTheReadBackPieceVerifies() throws {
        let directory = Kit.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("large.proctor")
        let writer = try BundleWriter(creating: url, header: Kit.header())
        for index in 0..<3 { try writer.append(.media, [UInt8](repeating: UInt8(index), count: 900_000)) }
        let manifest = try writer.finish(mediaDuration: 3)

        let bytes = Array(try Data(contentsOf: url))
        XCTAssertGreaterThan(bytes.count, 2 << 20)
        let finalOffset = try Kit.layout(of: bytes, recipients: 2).units.last!.lowerBound
        XCTAssertEqual(manifest.fileSHA256, SHA256.hash(Array(bytes[..<finalOffset])))
        XCTAssertEqual(BundleReader.verify(bytes: bytes).status, .intact)
        XCTAssertEqual(try Kit.readAll(bytes, key: Kit.alice.key).map(\.payload?.count), [900_000, 900_000, 900_000, 8])
    }

    /// The signature covers what was in the file at finish. A byte changed on disk during the
    /// recording is therefore signed over: keyless verification passes, and the key still names
    /// the record (docs/threat-model.md, "Edits while the recording runs").
    func testAnEditOnDiskDuringRecordingIsSignedOverButFailsWithTheKey() throws {
        let directory = Kit.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("edited.proctor")
        let writer = try BundleWriter(creating: url, header: Kit.header())
        for (type, payload) in Kit.records { try writer.append(type, payload) }
        try writer.sync()
        let target = try Kit.readAll(Array(try Data(contentsOf: url)), key: nil)[1]
        let handle = try FileHandle(forUpdating: url)
        try handle.seek(toOffset: UInt64(target.offset + BundleFormat.frameHeaderByteCount + 3))
        let original = try XCTUnwrap(handle.readData(ofLength: 1).first)
        try handle.seek(toOffset: UInt64(target.offset + BundleFormat.frameHeaderByteCount + 3))
        try handle.write(contentsOf: Data([original ^ 0x40]))
        try handle.close()
        try writer.append(.timeline, Array("after the edit".utf8))
        try writer.finish(mediaDuration: 1)

        let bytes = Array(try Data(contentsOf: url))
        XCTAssertEqual(BundleReader.verify(bytes: bytes).status, .intact)
        let keyed = BundleReader.verify(bytes: bytes, key: Kit.alice.key)
        XCTAssertEqual(keyed.failure?.kind, .tampered)
        XCTAssertEqual(keyed.failure?.offset, target.offset)
    }
}
