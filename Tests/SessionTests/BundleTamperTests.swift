import Foundation
import XCTest
@testable import Seal

/// Any change to a sealed bundle is detected and pointed at; a cut-off bundle keeps every
/// complete record readable and says where it ends.
final class BundleTamperTests: XCTestCase {
    typealias Kit = BundleTestKit

    func testEverySingleBitFlipIsDetectedAndLocatedWithTheKey() throws {
        let bytes = try Kit.smallBundle()
        let layout = try Kit.layout(of: bytes, recipients: 2)
        XCTAssertEqual(layout.units.count, 8, "session header, part header, 5 records, final")
        var located = 0
        for byte in bytes.indices {
            for bit in 0..<8 {
                var flipped = bytes
                flipped[byte] ^= UInt8(1 << bit)
                let verification = BundleReader.verify(bytes: flipped, key: Kit.alice.key)
                guard let failure = verification.failure else {
                    return XCTFail("flip of bit \(bit) in byte \(byte) went unnoticed")
                }
                XCTAssertNotEqual(failure.kind, .wrongKey, "byte \(byte) bit \(bit)")
                XCTAssertEqual(failure.offset, layout.unitStart(containing: byte),
                               "flip of bit \(bit) in byte \(byte) reported at \(failure.description)")
                located += 1
            }
        }
        XCTAssertEqual(located, bytes.count * 8)
    }

    func testEverySingleBitFlipIsDetectedWithoutAKey() throws {
        let bytes = try Kit.smallBundle(Kit.header([Kit.alice]))
        for byte in bytes.indices {
            for bit in 0..<8 {
                var flipped = bytes
                flipped[byte] ^= UInt8(1 << bit)
                let verification = BundleReader.verify(bytes: flipped)
                XCTAssertEqual(verification.status, .failed, "flip of bit \(bit) in byte \(byte) went unnoticed without a key")
            }
        }
    }

    func testTruncationAtEveryOffsetKeepsEarlierRecordsAndReportsTheEnd() throws {
        let bytes = try Kit.smallBundle()
        let layout = try Kit.layout(of: bytes, recipients: 2)
        let sessionEnd = layout.units[0].upperBound
        let recordUnits = layout.units[2..<7]
        for cut in 0..<bytes.count {
            let verification = BundleReader.verify(bytes: Array(bytes[0..<cut]), key: Kit.bob.key)
            if cut < sessionEnd {
                XCTAssertEqual(verification.failure?.kind, .notABundle, "cut at \(cut)")
                continue
            }
            XCTAssertNil(verification.failure, "cut at \(cut): \(verification.failure?.description ?? "")")
            XCTAssertEqual(verification.status, .incomplete, "cut at \(cut)")
            XCTAssertFalse(verification.isFinished)
            let complete = recordUnits.filter { $0.upperBound <= cut }
            let records = try Kit.readAll(Array(bytes[0..<cut]), key: Kit.bob.key)
            XCTAssertEqual(records.count, complete.count, "cut at \(cut)")
            XCTAssertEqual(records.filter { $0.type != .partEnd }.map { $0.payload! },
                           Array(Kit.records.map(\.1).prefix(min(4, complete.count))))
            if complete.count < 5 {
                // Readable data ends after the last complete record, or the last complete header.
                let partHeaderEnd = layout.units[1].upperBound
                let end = complete.last?.upperBound ?? (cut < partHeaderEnd ? sessionEnd : partHeaderEnd)
                XCTAssertEqual(verification.abruptEnds, [AbruptEnd(part: 0, records: UInt64(complete.count), offset: end, mediaTime: nil)],
                               "cut at \(cut)")
            } else {
                XCTAssertEqual(verification.abruptEnds, [], "cut at \(cut): the part ended, only the final record is missing")
                XCTAssertEqual(verification.warnings.count, 1)
            }
        }
    }

    func testSwappedRecordsAreDetectedAtTheFirstMovedOne() throws {
        let bytes = try Kit.smallBundle()
        let layout = try Kit.layout(of: bytes, recipients: 2)
        let first = layout.units[3], second = layout.units[4]   // records 1 and 2
        let swapped = Array(bytes[..<first.lowerBound]) + bytes[second] + bytes[first] + bytes[second.upperBound...]
        let failure = try XCTUnwrap(BundleReader.verify(bytes: swapped, key: Kit.alice.key).failure)
        XCTAssertEqual(failure.kind, .tampered)
        XCTAssertEqual(failure.location, .record(part: 0, index: 1))
        XCTAssertEqual(failure.offset, first.lowerBound)
        XCTAssertEqual(BundleReader.verify(bytes: swapped).status, .failed, "without a key the signed hash catches it")
    }

    func testARecordSplicedFromAnotherBundleIsDetected() throws {
        let victim = try Kit.smallBundle()
        // Same student, exam and recipients: only the session (and its keys) differ.
        let donor = try Kit.smallBundle(Kit.header(session: "session-0002"))
        let victimLayout = try Kit.layout(of: victim, recipients: 2), donorLayout = try Kit.layout(of: donor, recipients: 2)
        let target = victimLayout.units[4]   // record 2, replaced by the donor's record 2
        let spliced = Array(victim[..<target.lowerBound]) + donor[donorLayout.units[4]] + victim[target.upperBound...]
        XCTAssertEqual(spliced.count, victim.count)
        let failure = try XCTUnwrap(BundleReader.verify(bytes: spliced, key: Kit.bob.key).failure)
        XCTAssertEqual(failure.kind, .tampered)
        XCTAssertEqual(failure.location, .record(part: 0, index: 2))
        XCTAssertTrue(failure.description.contains("record 2 of part 0"), failure.description)
    }

    func testAReplayedRecordIsDetected() throws {
        let bytes = try Kit.smallBundle()
        let layout = try Kit.layout(of: bytes, recipients: 2)
        let replayed = Array(bytes[..<layout.units[4].upperBound]) + bytes[layout.units[3]] + bytes[layout.units[4].upperBound...]
        let failure = try XCTUnwrap(BundleReader.verify(bytes: replayed, key: Kit.alice.key).failure)
        XCTAssertEqual(failure.location, .record(part: 0, index: 3))
    }

    func testAnEditedHeaderFieldIsDetected() throws {
        let bytes = try Kit.smallBundle()
        let student = Array("s1234567".utf8), other = Array("s7654321".utf8)
        let at = try XCTUnwrap((0..<bytes.count - student.count).first { Array(bytes[$0..<$0 + student.count]) == student })
        var edited = bytes
        edited.replaceSubrange(at..<at + other.count, with: other)
        for key in [nil, Kit.alice.key] {
            let failure = try XCTUnwrap(BundleReader.verify(bytes: edited, key: key).failure)
            XCTAssertEqual(failure.kind, .tampered)
            XCTAssertEqual(failure.location, .sessionHeader)
        }
        // A forger who also rewrites the header hash in part 0 is caught by its tag, and
        // without a key by the final signature.
        let layout = try Kit.layout(of: bytes, recipients: 2)
        let hashAt = layout.units[1].lowerBound + 40
        edited.replaceSubrange(hashAt..<hashAt + 32, with: SHA256.hash(Array(edited[layout.units[0]])))
        XCTAssertEqual(BundleReader.verify(bytes: edited, key: Kit.alice.key).failure?.location, .partHeader(part: 0))
        XCTAssertEqual(BundleReader.verify(bytes: edited).failure?.location, .finalRecord)
    }

    func testArbitraryBytesNeverCrashTheReader() {
        var generator = SystemRandomNumberGenerator()
        let seedBundle = (try? Kit.smallBundle()) ?? []
        for round in 0..<300 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0..<400, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                if round % 4 == 0 { bytes = Array(seedBundle.prefix(14)) + bytes }
            } else {
                bytes = seedBundle
                // Distinct positions, each XORed with a non-zero value: every round really changes the bundle.
                let positions = Set((0..<Int.random(in: 1...8, using: &generator)).map { _ in Int.random(in: 0..<bytes.count, using: &generator) })
                for position in positions { bytes[position] ^= UInt8.random(in: 1...255, using: &generator) }
            }
            let verification = BundleReader.verify(bytes: bytes, key: round % 3 == 0 ? Kit.alice.key : nil)
            XCTAssertNotEqual(verification.status, .intact, "round \(round) produced an intact bundle from damaged bytes")
        }
    }
}

extension BundleTamperTests {
    /// Part 0's preceding hash is checked after its header tag (docs/bundle-format.md,
    /// "Reading"): with a key the blame is exact, without one both suspects are named.
    func testPartZeroHashMismatchNamesWhatEachReaderCanKnow() throws {
        let bytes = try Kit.smallBundle()
        let sessionEnd = try Kit.layout(of: bytes, recipients: 2).units[0].upperBound
        var header = bytes
        header[sessionEnd - 40] ^= 0x01  // inside the session header's recipient keys
        var hashField = bytes
        hashField[sessionEnd + 4 + 4 + 32 + 5] ^= 0x01  // inside part 0's preceding hash

        XCTAssertEqual(BundleReader.verify(bytes: header, key: Kit.alice.key).failure?.description,
                       "the session header (byte 0) was altered: it does not match the hash recorded in part 0")
        XCTAssertEqual(BundleReader.verify(bytes: hashField, key: Kit.alice.key).failure?.description,
                       "the header of part 0 (byte \(sessionEnd)) was altered: its authentication tag does not match")
        let keyless = "the session header (byte 0) was altered, or the hash of it recorded in part 0 (byte \(sessionEnd)) was: they no longer match"
        XCTAssertEqual(BundleReader.verify(bytes: header).failure?.description, keyless)
        XCTAssertEqual(BundleReader.verify(bytes: hashField).failure?.description, keyless)
    }
}

extension BundleTamperTests {
    /// A cut inside the final record reads as a missing final record, and the warning says how
    /// many leftover bytes were ignored and where they start.
    func testCutInsideTheFinalRecordNamesTheLeftoverBytes() throws {
        let bytes = try Kit.smallBundle()
        let finalStart = try Kit.layout(of: bytes, recipients: 2).units.last!.lowerBound
        for cut in [finalStart + 3, finalStart + 10, bytes.count - 1] {
            let verification = BundleReader.verify(bytes: Array(bytes[0..<cut]), key: Kit.alice.key)
            XCTAssertNil(verification.failure)
            XCTAssertEqual(verification.status, .incomplete)
            XCTAssertEqual(verification.tornFinalRecord, finalStart)
            XCTAssertEqual(verification.warnings, ["the bundle ends inside its final record (the \(cut - finalStart) bytes from byte \(finalStart) on are ignored): it was cut, or the disk filled while the recording was being finished"])
        }
        let cleanCut = BundleReader.verify(bytes: Array(bytes[0..<finalStart]), key: Kit.alice.key)
        XCTAssertNil(cleanCut.tornFinalRecord)
        XCTAssertEqual(cleanCut.warnings, ["the bundle has no final record: the recording stopped before `proctor submit` finished it"])
    }
}
