import Foundation
import FuzzSupport
import ProctorModel
import Seal

/// A bundle is read by instructors from wherever a student's upload landed: any bytes must give
/// a `BundleVerification` (failed, incomplete or intact), never a crash, a hang or unbounded
/// memory. Each input is read twice: structure and signatures only, then decrypting every record
/// with the fuzz instructor key (Tests/Fixtures/fuzz/keys), which the seed bundles were sealed
/// to, so mutations reach the decryption and record-parsing paths too.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzBundleReader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = FuzzDriver.bytes(data, size)
    _ = BundleReader.verify(bytes: bytes, key: nil)
    if let key = fuzzKey { _ = BundleReader.verify(bytes: bytes, key: key) }
    return 0
}

/// The checked-in, unencrypted test key: found from this source file, so it works from any
/// working directory of the same checkout.
let fuzzKey: BundleKey? = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Tests/Fixtures/fuzz/keys/fuzz.key").standardizedFileURL
    do throws(ProctorError) {
        let identity = try InstructorIdentity.load(from: url, passphrase: .text(""))
        return try BundleKey(secretKey: identity.boxSecretKey, publicKey: identity.boxPublicKey)
    } catch {
        FileHandle.standardError.write(Data("fuzz-bundle-reader: \(error.message); fuzzing without a key\n".utf8))
        return nil
    }
}()

@main
enum FuzzBundleReaderMain {
    static func main() { FuzzDriver.main(fuzzBundleReader) }
}
