import XCTest
@testable import Seal

final class SodiumTests: XCTestCase {
    func testSecretIsWipedOnRequest() throws {
        let secret = SecretBytes.random(count: 32)
        secret.wipe()
        let allZero = secret.withUnsafeBytes { $0.allSatisfy { $0 == 0 } }
        XCTAssertTrue(allZero)
    }

    func testConstantTimeEquality() {
        XCTAssertTrue(Sodium.equalInConstantTime([1, 2, 3], [1, 2, 3]))
        XCTAssertFalse(Sodium.equalInConstantTime([1, 2, 3], [1, 2, 4]))
        XCTAssertFalse(Sodium.equalInConstantTime([1, 2], [1, 2, 3]))
    }
}
