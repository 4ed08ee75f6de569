import XCTest
@testable import Seal

/// The streaming hash the bundle chains its parts and its manifest with.
final class BundleCryptoTests: XCTestCase {
    func testSHA256StreamingAndCopyAgreeWithOneShot() {
        let data = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var hasher = SHA256.Incremental()
        hasher.update(Array(data[..<3_000]))
        let snapshot = hasher.copy()
        hasher.update(Array(data[3_000...]))
        let whole = hasher.finalize(), prefix = snapshot.finalize()
        XCTAssertEqual(whole, SHA256.hash(data))
        XCTAssertEqual(prefix, SHA256.hash(Array(data[..<3_000])))
        XCTAssertEqual(SHA256.hash(Array(data[..<3_000])).hexString.count, 64)
    }
}
