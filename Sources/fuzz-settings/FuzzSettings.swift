import FuzzSupport
import Exam

/// Exam settings (TOML) come from instructors, but a student's machine parses them too (inside
/// exam files) and `exam create` reads whatever file it is given: any bytes must give a
/// settings value or a `ProctorError`, never a crash or a hang.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzSettings(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: FuzzDriver.bytes(data, size), as: UTF8.self)
    // No base directory: recipient .pub paths are refused instead of read from disk.
    _ = try? ExamSettings.parse(toml: text, fileName: "fuzz.toml", baseDirectory: nil)
    return 0
}

@main
enum FuzzSettingsMain {
    static func main() { FuzzDriver.main(fuzzSettings) }
}
