import FuzzSupport
import Exam

/// `begin` verifies the exam file a student was given before trusting anything in it: arbitrary
/// bytes must be rejected with a `ProctorError`, never crash the verifier.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzExamFile(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    _ = try? ExamFile.decode(FuzzDriver.bytes(data, size))
    return 0
}

@main
enum FuzzExamFileMain {
    static func main() { FuzzDriver.main(fuzzExamFile) }
}
