import Foundation
import ProctorModel

/// The last file of a segmented upload, `NAME.parts/manifest.json`: its presence means every
/// segment arrived, and it holds what `proctor submit collect` needs to rebuild the bundle
/// byte for byte and prove it (docs/delivery.md, "Segmented layout").
public struct SegmentManifest: Codable, Sendable, Equatable {
    public static let currentFormat = "proctor-segments-1"
    public static let fileName = "manifest.json"
    public static let folderSuffix = ".parts"

    public struct Entry: Codable, Sendable, Equatable {
        public let name: String
        public let offset: Int64
        public let length: Int
        public let sha256: String
    }

    public let format: String
    /// The bundle's file name, which the rebuilt file gets.
    public let bundle: String
    public let size: Int64
    public let sha256: String
    public let segmentSize: Int
    public let segments: [Entry]

    init(bundle: String, digest: BundleDigest) {
        format = Self.currentFormat
        self.bundle = bundle
        size = digest.size
        sha256 = digest.sha256
        segmentSize = digest.segmentSize
        segments = digest.segments.map { Entry(name: Self.segmentName($0), offset: $0.offset, length: $0.length, sha256: $0.sha256) }
    }

    /// Segments are named after their content, so a segment found on the server under its name
    /// with the right size is this bundle's segment and not a leftover of another upload.
    static func segmentName(_ segment: BundleDigest.Segment) -> String {
        let number = String(segment.index)
        return "part-" + String(repeating: "0", count: max(0, 5 - number.count)) + number + "-" + segment.sha256.prefix(16)
    }

    func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? encoder.encode(self)) ?? Data()
    }

    static func decode(_ data: Data, from path: String) throws(ProctorError) -> SegmentManifest {
        let manifest: SegmentManifest
        do {
            manifest = try JSONDecoder().decode(SegmentManifest.self, from: data)
        } catch {
            throw ProctorError(.badData, "\(path) is not a proctor segment manifest", detail: String(describing: error))
        }
        guard manifest.format == currentFormat else {
            throw ProctorError(.badData, "\(path) has format '\(manifest.format)'; this proctor reads \(currentFormat)")
        }
        // The manifest came from a server: its names become file paths, so no path tricks.
        guard !manifest.bundle.contains("/"), !manifest.bundle.hasPrefix("."),
              manifest.segments.allSatisfy({ !$0.name.contains("/") && !$0.name.hasPrefix(".") }) else {
            throw ProctorError(.badData, "\(path) names files outside its folder")
        }
        var expectedOffset: Int64 = 0
        for entry in manifest.segments {
            guard entry.offset == expectedOffset, entry.length >= 0 else {
                throw ProctorError(.badData, "\(path) lists segments that do not tile the bundle")
            }
            expectedOffset += Int64(entry.length)
        }
        guard expectedOffset == manifest.size else {
            throw ProctorError(.badData, "\(path) lists \(expectedOffset) bytes of segments for a \(manifest.size)-byte bundle")
        }
        return manifest
    }
}
