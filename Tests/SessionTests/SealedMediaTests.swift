import Foundation
import XCTest
@testable import Encode
@testable import ProctorModel
@testable import Report
@testable import Seal

/// Review mode: media stays in the sealed records and is decrypted again, record by record, on
/// each read: the same bytes as the recording, no file written, and a record changed after the
/// verifying pass is refused rather than shown.
final class SealedMediaTests: XCTestCase {
    private func sealedBundle(in dir: URL, identity: InstructorIdentity) throws -> URL {
        let url = dir.appendingPathComponent("s1.proctor")
        let header = BundleHeader(examId: "chem101", examFileSHA256: SHA256.hash(Array("no exam file".utf8)), studentId: "s1",
                                  sessionId: UUID().uuidString, startTime: Date(timeIntervalSince1970: 1_795_000_000),
                                  recipients: [BundleRecipient(identity.recipientKey)], cipher: .aes256GCM)
        let writer = try BundleWriter(creating: url, header: header)
        let media = SessionRecordingFixture.bytes
        var offset = 0
        while offset < media.count {
            let end = min(media.count, offset + 8192)
            try media[offset..<end].withUnsafeBytes { try writer.append(.media, RecordingRecords.media($0, mediaEnd: 30 * Double(end) / Double(media.count))) }
            offset = end
        }
        _ = try writer.finish(mediaDuration: 30)
        return url
    }

    func testSealedMediaReadsBackTheRecordingWithoutWritingAFile() throws {
        let dir = try ExportFixtures.temporaryDirectory(for: self)
        let identity = try InstructorIdentity.generate(name: "prof")
        let url = try sealedBundle(in: dir, identity: identity)
        let session = try BundleSession.read(url, key: BundleKey(identity), spoolInside: dir, exams: ExamIndex(directories: []),
                                             trust: ExamTrust(), media: .sealed)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["s1.proctor"])
        let media = try XCTUnwrap(session.collector.spools[0])
        XCTAssertEqual(media.size, Int64(SessionRecordingFixture.bytes.count))
        let source = try media.source()
        // Reads of every size and alignment, across record boundaries, give the recording's bytes.
        var bytes: [UInt8] = [], position: Int64 = 0
        for size in [1, 7, 8191, 8193, 65536].cycled(until: Int(source.size)) {
            var chunk = [UInt8](repeating: 0, count: size)
            let count = try chunk.withUnsafeMutableBytes { try source.read(at: position, into: $0) }
            guard count > 0 else { break }
            bytes += chunk[0..<count]
            position += Int64(count)
        }
        XCTAssertEqual(bytes, SessionRecordingFixture.bytes)
        // The demuxer and the browser remuxer read it like any recording.
        XCTAssertEqual(try RecordingReader(try media.source()).videoStreams.map(\.title), ["camera", "screen"])
        XCTAssertEqual(try FragmentedMP4(try media.source(), video: "camera", withAudio: true).keyframes.count, 15)

        // A byte changed in a media record after the verifying pass: that read fails, no other content comes back.
        let handle = try FileHandle(forUpdating: url)
        try handle.seek(toOffset: UInt64(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as! Int) / 2)
        try handle.write(contentsOf: [0x5a])
        try handle.close()
        let tampered = try media.source()
        var failures = 0
        var buffer = [UInt8](repeating: 0, count: 65536)
        var at: Int64 = 0
        while at < tampered.size {
            do {
                at += Int64(try buffer.withUnsafeMutableBytes { try tampered.read(at: at, into: $0) })
            } catch let error as ProctorError {
                XCTAssertEqual(error.code, .verification)
                failures += 1
                at += 8192
            }
        }
        XCTAssertGreaterThan(failures, 0)
    }
}

private extension Array where Element == Int {
    /// The sizes repeated until they add up to at least `total`.
    func cycled(until total: Int) -> [Int] {
        var result: [Int] = [], sum = 0
        while sum < total { for size in self { result.append(size); sum += size } }
        return result
    }
}
