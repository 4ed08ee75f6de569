import Foundation
import Hummingbird

/// One `Range: bytes=...` request over a resource of known length (RFC 9110 §14), which is what
/// a `<video>` element sends to seek. Multiple ranges are answered with the first only, as
/// browsers never ask for more than one.
package struct ByteRange: Equatable, Sendable {
    package let lowerBound: Int
    /// Inclusive, as in the header.
    package let upperBound: Int

    package var count: Int { upperBound - lowerBound + 1 }

    package init(lowerBound: Int, upperBound: Int) {
        self.lowerBound = lowerBound
        self.upperBound = upperBound
    }

    /// nil when there is no usable header (answer 200 with everything); throws 416 when the
    /// range lies outside the resource.
    package static func parse(_ header: String?, length: Int) throws -> ByteRange? {
        guard let header, header.hasPrefix("bytes=") else { return nil }
        let first = header.dropFirst("bytes=".count).split(separator: ",").first.map(String.init) ?? ""
        let parts = first.trimmingCharacters(in: .whitespaces).split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let unsatisfiable = APIError(.rangeNotSatisfiable, code: "range_not_satisfiable", "The requested byte range is outside the \(length)-byte resource.")
        switch (Int(parts[0]), Int(parts[1])) {
        case (let start?, let end?):
            guard start <= end, start < length else { throw unsatisfiable }
            return ByteRange(lowerBound: start, upperBound: min(end, length - 1))
        case (let start?, nil) where parts[1].isEmpty:
            guard start < length else { throw unsatisfiable }
            return ByteRange(lowerBound: start, upperBound: length - 1)
        case (nil, let suffix?) where parts[0].isEmpty:
            guard suffix > 0, length > 0 else { throw unsatisfiable }
            return ByteRange(lowerBound: max(0, length - suffix), upperBound: length - 1)
        default:
            return nil
        }
    }

    package func contentRangeHeader(length: Int) -> String { "bytes \(lowerBound)-\(upperBound)/\(length)" }
}
