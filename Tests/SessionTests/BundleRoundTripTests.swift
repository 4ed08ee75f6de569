import Foundation
import XCTest
@testable import ProctorModel
@testable import Report
@testable import Seal
import TestTools

final class BundleRoundTripTests: XCTestCase {
    typealias Kit = BundleTestKit

    func testTwoRecipientsEachOpenEveryRecordAlone() throws {
        let bytes = try Kit.smallBundle()
        for recipient in [Kit.alice, Kit.bob] {
            let records = try Kit.readAll(bytes, key: recipient.key)
            XCTAssertEqual(records.map(\.type), Kit.records.map(\.0) + [.partEnd])
            XCTAssertEqual(records.dropLast().map { $0.payload! }, Kit.records.map(\.1))
            XCTAssertEqual(records.map(\.index), [0, 1, 2, 3, 4])
            let verification = try BundleReader(bytes: bytes, key: recipient.key).verify()
            XCTAssertEqual(verification.status, .intact)
            XCTAssertTrue(verification.decrypted)
            XCTAssertEqual(verification.mediaDuration, 2.5)
            XCTAssertEqual(verification.totals[.media], BundleManifest.Totals(records: 1, payloadBytes: 40, sealedBytes: 56))
            XCTAssertEqual(verification.parts, [BundleManifest.Part(records: 5, ended: true)])
        }
    }

    func testHeaderReadsBackExactly() throws {
        let bytes = try Kit.smallBundle()
        let header = try BundleReader(bytes: bytes).header
        XCTAssertEqual(header, Kit.header())
        XCTAssertEqual(header.startTime.timeIntervalSince1970, 1_790_000_000.123, accuracy: 0.0005)
    }

    func testAThirdKeyIsRefusedWithAKeyError() throws {
        let bytes = try Kit.smallBundle()
        XCTAssertThrowsError(try BundleReader(bytes: bytes, key: Kit.carol.key)) { error in
            let error = error as! ProctorError
            XCTAssertEqual(error.code, .key)
            XCTAssertEqual(error.message, "this bundle was not sealed for this key")
        }
        XCTAssertEqual(BundleReader.verify(bytes: bytes, key: Kit.carol.key).failure?.kind, .wrongKey)
    }

    func testKeylessReadingChecksStructureAndSignatureButYieldsNoPlaintext() throws {
        let bytes = try Kit.smallBundle()
        let records = try Kit.readAll(bytes, key: nil)
        XCTAssertEqual(records.count, 5)
        XCTAssertTrue(records.allSatisfy { $0.payload == nil })
        let verification = BundleReader.verify(bytes: bytes)
        XCTAssertEqual(verification.status, .intact)
        XCTAssertFalse(verification.decrypted)
    }

    func testFallbackCipherRoundTripsAndIsNamedInTheHeader() throws {
        let bytes = try Kit.smallBundle(Kit.header(cipher: .xChaCha20Poly1305))
        XCTAssertEqual(bytes[14], BundleCipher.xChaCha20Poly1305.rawValue, "cipher id is the first byte of the header body")
        XCTAssertEqual(try BundleReader(bytes: bytes).header.cipher, .xChaCha20Poly1305)
        let records = try Kit.readAll(bytes, key: Kit.bob.key)
        XCTAssertEqual(records.dropLast().map { $0.payload! }, Kit.records.map(\.1))
        XCTAssertEqual(BundleReader.verify(bytes: bytes, key: Kit.alice.key).status, .intact)
    }

    func testCipherChoiceFollowsTheEnvironment() throws {
        XCTAssertEqual(try BundleCipher.preferred(environment: ["PROCTOR_CIPHER": "xchacha20poly1305"]), .xChaCha20Poly1305)
        let automatic = try BundleCipher.preferred(environment: [:])
        XCTAssertEqual(automatic, BundleCipher.aes256GCM.isAvailable ? .aes256GCM : .xChaCha20Poly1305)
        XCTAssertThrowsError(try BundleCipher.preferred(environment: ["PROCTOR_CIPHER": "rot13"])) {
            XCTAssertEqual(($0 as! ProctorError).code, .usage)
        }
    }

    func testResumeStartsANewPartAndKeepsTheCrashedOneReadable() throws {
        let directory = Kit.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("resumed.proctor")
        do {
            let writer = try BundleWriter(creating: url, header: Kit.header())
            try writer.append(.metadata, Array("before the crash".utf8))
            try writer.append(.media, [UInt8](repeating: 7, count: 100))
            try writer.sync()
        }   // dropped without finish: part 0 never gets its part-end record, as in a kill -9
        let complete = try Data(contentsOf: url).count
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([0x02, 0x00, 0x00, 0x01]))   // a torn frame header
        try handle.close()

        let crashed = BundleReader.verify(bytes: Array(try Data(contentsOf: url)), key: Kit.alice.key)
        XCTAssertNil(crashed.failure)
        XCTAssertEqual(crashed.abruptEnds, [AbruptEnd(part: 0, records: 2, offset: complete, mediaTime: nil)])

        let resumed = try BundleWriter.resume(at: url)
        XCTAssertEqual(resumed.partNumber, 1)
        try resumed.append(.timeline, Array("after the crash".utf8))
        let manifest = try resumed.finish(mediaDuration: 9)
        XCTAssertEqual(manifest.parts, [.init(records: 2, ended: false), .init(records: 2, ended: true)])

        let bytes = Array(try Data(contentsOf: url))
        for recipient in [Kit.alice, Kit.bob] {
            let records = try Kit.readAll(bytes, key: recipient.key)
            XCTAssertEqual(records.map(\.part), [0, 0, 1, 1])
            XCTAssertEqual(records.map(\.type), [.metadata, .media, .timeline, .partEnd])
            XCTAssertEqual(records[0].payload, Array("before the crash".utf8))
            XCTAssertEqual(records[2].payload, Array("after the crash".utf8))
            XCTAssertEqual(records[2].offset, complete + BundleFormat.partHeaderByteCount(recipients: 2) + 0,
                           "the torn bytes were cut before the new part header")
        }
        let verification = BundleReader.verify(bytes: bytes)
        XCTAssertTrue(verification.isFinished)
        XCTAssertEqual(verification.abruptEnds.map(\.part), [0])
        XCTAssertEqual(verification.status, .incomplete)
        XCTAssertThrowsError(try BundleWriter.resume(at: url)) { XCTAssertEqual(($0 as! ProctorError).code, .usage) }
    }

    func testAbruptEndReportsTheMediaTimeTheRecorderProvides() throws {
        let bytes = try Kit.smallBundle(records: [(.media, [1]), (.media, [2]), (.timeline, [9])], finish: false)
        let reader = try BundleReader(bytes: bytes, key: Kit.alice.key)
        reader.mediaClock = { type, payload in type == .media ? Double(payload[0]) * 0.5 : nil }
        let verification = reader.verify()
        XCTAssertEqual(verification.abruptEnds.first?.records, 3)
        XCTAssertEqual(verification.abruptEnds.first?.mediaTime, 1.0)
        XCTAssertEqual(verification.warnings.first, "part 0 ended abruptly at record 3 (byte \(bytes.count)) / media time 1.000 s")
    }

    func testWriterRefusesToOverwriteAndToAppendReservedTypes() throws {
        let directory = Kit.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("once.proctor")
        let writer = try BundleWriter(creating: url, header: Kit.header())
        XCTAssertThrowsError(try BundleWriter(creating: url, header: Kit.header())) { XCTAssertEqual(($0 as! ProctorError).code, .io) }
        XCTAssertThrowsError(try writer.append(.final, [1])) { XCTAssertEqual(($0 as! ProctorError).code, .usage) }
        try writer.finishPart()
        XCTAssertThrowsError(try writer.append(.media, [1])) { XCTAssertEqual(($0 as! ProctorError).code, .usage) }
        try writer.finish(mediaDuration: 0)
        XCTAssertEqual(BundleReader.verify(contentsOf: url, key: Kit.bob.key).status, .intact)
    }

    func testWrittenRecordsAreFsyncedWithinTheSyncInterval() throws {
        let directory = Kit.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let writer = try BundleWriter(creating: directory.appendingPathComponent("sync.proctor"), header: Kit.header(),
                                      options: .init(syncInterval: .milliseconds(100)), entropy: SystemEntropy())
        try writer.append(.media, [1, 2, 3])
        waitUntil(timeout: 2) { writer.timedSyncs > 0 }
        XCTAssertEqual(writer.timedSyncs, 1, "the timer flushes a written record within the interval")
        // That nothing happens cannot be waited for, only given time: three more intervals.
        Thread.sleep(forTimeInterval: 0.35)
        XCTAssertEqual(writer.timedSyncs, 1, "nothing new was written, so nothing more is flushed")
        // ...while the timer was still running: the next record is flushed too.
        try writer.append(.media, [4, 5, 6])
        waitUntil(timeout: 2) { writer.timedSyncs > 1 }
        XCTAssertEqual(writer.timedSyncs, 2, "the timer still flushes what is written after a quiet spell")
        try writer.finish(mediaDuration: 0)
    }

    func testResumeAfterAnEndedPartWithoutFinalRecord() throws {
        let directory = Kit.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("ended.proctor")
        do {
            let writer = try BundleWriter(creating: url, header: Kit.header([Kit.alice], cipher: .xChaCha20Poly1305))
            try writer.append(.photo, [9, 9])
            try writer.finishPart()
        }
        let unfinished = BundleReader.verify(contentsOf: url)
        XCTAssertEqual(unfinished.abruptEnds, [])
        XCTAssertFalse(unfinished.isFinished)
        let writer = try BundleWriter.resume(at: url)
        try writer.append(.media, [1])
        try writer.finish(mediaDuration: 1)
        let verification = BundleReader.verify(contentsOf: url, key: Kit.alice.key)
        XCTAssertEqual(verification.status, .intact)
        XCTAssertEqual(verification.parts, [.init(records: 2, ended: true), .init(records: 2, ended: true)])
    }

    func testResumeAfterACrashWhileStartingAPart() throws {
        let directory = Kit.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("torn-header.proctor")
        do {
            let writer = try BundleWriter(creating: url, header: Kit.header())
            try writer.append(.media, [1])
            try writer.sync()
        }
        do {
            let writer = try BundleWriter.resume(at: url)
            try writer.sync()
        }
        // Cut part 1's header in half, as a crash right after `begin --resume` started would.
        let bytes = Array(try Data(contentsOf: url))
        let torn = Array(bytes[..<(bytes.count - 60)])
        try Data(torn).write(to: url)
        let crashed = BundleReader.verify(bytes: torn)
        XCTAssertNil(crashed.failure)
        XCTAssertEqual(crashed.abruptEnds.map(\.part), [0, 1])
        XCTAssertEqual(crashed.parts.count, 1, "a part without a complete header is not counted")

        let writer = try BundleWriter.resume(at: url)
        XCTAssertEqual(writer.partNumber, 1, "the torn header is replaced, not skipped")
        try writer.append(.media, [2])
        try writer.finish(mediaDuration: 2)
        let verification = BundleReader.verify(contentsOf: url, key: Kit.bob.key)
        XCTAssertNil(verification.failure)
        XCTAssertTrue(verification.isFinished)
        XCTAssertEqual(verification.parts, [.init(records: 1, ended: false), .init(records: 2, ended: true)])
    }

    func testARecipientKeyThatCannotBeSealedToLeavesNoFile() throws {
        let directory = Kit.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("bad-recipient.proctor")
        var header = Kit.header()
        // The all-zero X25519 point has small order: libsodium refuses to seal to it.
        header.recipients.append(BundleRecipient(name: "zero", publicKey: [UInt8](repeating: 0, count: 32)))
        XCTAssertThrowsError(try BundleWriter(creating: url, header: header)) { error in
            XCTAssertEqual((error as! ProctorError).code, .badData)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
    }
}
