/// What delivery needs to know about a bundle before sending it: its size and SHA-256, and the
/// same for each fixed-size segment, all from one read of the file.
import ProctorModel
import Seal

struct BundleDigest: Sendable {
    struct Segment: Sendable, Codable, Equatable {
        let index: Int
        let offset: Int64
        let length: Int
        let sha256: String
    }

    let size: Int64
    let sha256: String
    let segmentSize: Int
    let segments: [Segment]

    init(of bundle: BundleFile, segmentSize: Int) throws(ProctorError) {
        var whole = SHA256.Incremental()
        var segments: [Segment] = []
        var offset: Int64 = 0
        repeat {
            let length = Int(min(Int64(segmentSize), bundle.size - offset))
            var part = SHA256.Incremental()
            try bundle.forEachChunk(from: offset, to: offset + Int64(length)) { chunk in
                whole.update(chunk)
                part.update(chunk)
            }
            segments.append(Segment(index: segments.count, offset: offset, length: length, sha256: part.finalize().hexString))
            offset += Int64(length)
        } while offset < bundle.size
        self.size = bundle.size
        self.sha256 = whole.finalize().hexString
        self.segmentSize = segmentSize
        self.segments = segments
    }
}
