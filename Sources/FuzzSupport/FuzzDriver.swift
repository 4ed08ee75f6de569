internal import CLibFuzzer
import Foundation

/// libFuzzer's per-input callback: `LLVMFuzzerTestOneInput`'s signature.
public typealias FuzzInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

/// The `main` of every fuzz executable (Sources/fuzz-*), in one of two modes:
///
/// - built by `make fuzz` (`-sanitize=fuzzer -DFUZZING`): hands control to libFuzzer.
///   SwiftPM links executables with `--defsym main=<module>_main`, which keeps libFuzzer's own
///   `main` out, so we call its driver ourselves;
/// - built by a plain `swift build`: replays the files and directories given as arguments
///   through the same callback, so a crash input found by the fuzzer stays a one-line
///   regression run (and the seed corpora run in `swift test`), and a plain build never needs
///   libFuzzer.
public enum FuzzDriver {
    public static func main(_ input: FuzzInput) -> Never {
        #if FUZZING
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, input))
        #else
        let paths = CommandLine.arguments.dropFirst()
        guard !paths.isEmpty else {
            FileHandle.standardError.write(Data("usage: \(CommandLine.arguments[0]) FILE|DIR... (replays inputs; build with `make fuzz` to fuzz)\n".utf8))
            exit(64)
        }
        var replayed = 0
        for path in paths {
            for file in files(at: path) {
                guard let data = FileManager.default.contents(atPath: file) else {
                    FileHandle.standardError.write(Data("cannot read \(file)\n".utf8))
                    exit(66)
                }
                _ = data.withUnsafeBytes { bytes in
                    input(bytes.bindMemory(to: UInt8.self).baseAddress, bytes.count)
                }
                replayed += 1
            }
        }
        print("replayed \(replayed) inputs, no crash")
        exit(0)
        #endif
    }

    /// A file itself, or the regular files directly inside a directory (libFuzzer's corpus layout).
    private static func files(at path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.sorted().map { path + "/" + $0 }.filter { !$0.hasSuffix("/README.md") }
    }
}

extension FuzzDriver {
    /// The input as a byte array: fuzz targets call APIs that take `[UInt8]` or `String`.
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        guard let data, size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }
}
