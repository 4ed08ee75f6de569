@testable import Detect
import TestTools
import XCTest

/// The model cache (docs/detectors.md, "Start-up and the model cache") only saves time: a model
/// loaded from it finds the same faces and the same landmarks as one prepared from scratch, and
/// a damaged or missing entry is prepared again and rewritten, never used.
final class ModelCacheTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("model-cache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func load() throws -> FaceModel {
        try FaceModel(landmarkModel: FaceModel.defaultLandmarkModel, cacheFolder: folder)
    }

    private func entries() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// Faces and the landmarks of the strongest one, on every fixture scene.
    private func findings(_ model: FaceModel) throws -> [[Double]] {
        let scenes = [try Scenes.oneFace(), try Scenes.otherFace(), try Scenes.twoFaces(), try Scenes.turnedAway()]
        return try scenes.map { scene in
            let canvas = try scene.asFedToFaces()
            let faces = try model.detect(canvas)
            var values = faces.flatMap { [$0.left, $0.top, $0.right, $0.bottom, $0.score] }
            if let face = faces.first { values += try model.landmarks(canvas, face: face).flatMap { [$0.x, $0.y] } }
            return values
        }
    }

    func testCachedModelsFindExactlyWhatFreshlyPreparedOnesFind() throws {
        let uncached = try FaceModel(landmarkModel: FaceModel.defaultLandmarkModel, cacheFolder: nil)
        XCTAssertEqual(uncached.cacheUse, [])
        let expected = try findings(uncached)
        XCTAssertEqual(expected.filter { $0.count >= 5 + 136 }.count, 4, "every scene shows a face and its landmarks")

        let first = try load()
        XCTAssertEqual(first.cacheUse, [], "an empty cache serves nothing")
        XCTAssertEqual(Set(try entries().map(\.pathExtension)), ["dat", "cascade"], "the detector and the landmark cascade were stored")
        XCTAssertEqual(try findings(first), expected)

        let second = try load()
        XCTAssertEqual(second.cacheUse, [.detector, .landmarks])
        XCTAssertEqual(try findings(second), expected)
    }

    func testDamagedEntriesArePreparedAgainAndRewritten() throws {
        let expected = try findings(try load())
        for entry in try entries() {
            var bytes = try Data(contentsOf: entry)
            bytes[bytes.count / 2] ^= 0x40
            try bytes.write(to: entry)
        }
        let repaired = try load()
        XCTAssertEqual(repaired.cacheUse, [], "a damaged entry is never used")
        XCTAssertEqual(try findings(repaired), expected)
        XCTAssertEqual(try load().cacheUse, [.detector, .landmarks], "the damaged entries were rewritten")

        for entry in try entries() {
            let bytes = try Data(contentsOf: entry)
            try bytes.prefix(bytes.count - 3).write(to: entry)
        }
        XCTAssertEqual(try load().cacheUse, [], "a truncated entry is never used")
    }

    /// The landmark entry's counts are read before its checksum can be known: a damaged count is
    /// refused by its bound or by the entry's stated length, never allocated or trusted.
    func testDamagedCountsInTheLandmarkEntryAreRefused() throws {
        let expected = try findings(try load())
        let entry = try XCTUnwrap(try entries().first { $0.pathExtension == "cascade" })
        let intact = try Data(contentsOf: entry)
        // After the 24-byte entry header: format (u64), shape size (u64), 136 floats, levels
        // (u64), then the first level's tree count (u64) and its first tree's split count (u64).
        let levels = 24 + 8 + 8 + 136 * 4
        for (offset, flip) in [(24, UInt8(0x01)), (32 + 1, 0x10), (levels, 0x40), (levels + 8 + 2, 0x01), (levels + 16, 0x80)] {
            var bytes = intact
            bytes[offset] ^= flip
            try bytes.write(to: entry)
            let model = try load()
            XCTAssertFalse(model.cacheUse.contains(.landmarks), "byte \(offset) flipped")
            XCTAssertEqual(try findings(model), expected, "byte \(offset) flipped")
            XCTAssertEqual(try Data(contentsOf: entry), intact, "byte \(offset) flipped: the entry was rewritten")
        }
    }

    /// A file system with room for the 32 MB landmark entry, but not for it and the 1 GiB the
    /// cache leaves free for the recording that may follow: nothing is written, the models work.
    func testTheCacheNeverTakesTheRoomARecordingNeeds() throws {
        let small = try SmallFileSystem(kibibytes: 64 * 1024)
        let model = try FaceModel(landmarkModel: FaceModel.defaultLandmarkModel, cacheFolder: small.folder)
        XCTAssertEqual(model.cacheUse, [])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: small.folder.path), [], "no entry and no temporary file")
        XCTAssertEqual(try findings(model), try findings(try load()))
    }

    func testAnUnwritableCacheFolderOnlyCostsTime() throws {
        let missing = folder.appendingPathComponent("not-there")
        let model = try FaceModel(landmarkModel: FaceModel.defaultLandmarkModel, cacheFolder: missing)
        XCTAssertEqual(model.cacheUse, [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: missing.path))
        XCTAssertEqual(try findings(model), try findings(try FaceModel(landmarkModel: FaceModel.defaultLandmarkModel, cacheFolder: nil)))
    }
}
