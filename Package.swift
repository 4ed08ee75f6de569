// swift-tools-version:6.0
import PackageDescription

// dlib and the WebRTC VAD are numeric C++: at -O0 face detection runs ~50x slower, so the
// shim is always optimised, even in debug builds.
let optimisedCXX: [CXXSetting] = [
    .unsafeFlags(["-O2", "-I/usr/include/webrtc_audio_processing", "-DWEBRTC_POSIX", "-DWEBRTC_AUDIO_PROCESSING_ONLY_BUILD"]),
]

let package = Package(
    name: "proctor",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "proctor", targets: ["proctor-cli"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // One system-library target per C library; each is imported by exactly one Swift module.
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        .systemLibrary(name: "CFFmpeg", pkgConfig: "libavformat libavcodec libavdevice libavfilter libswscale libswresample libavutil",
                       providers: [.apt(["libavformat-dev", "libavcodec-dev", "libavdevice-dev", "libavfilter-dev", "libswscale-dev", "libswresample-dev"])]),
        // libcrypto only for SHA-256 over every sealed byte: libsodium's portable SHA-256 is too slow.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CALSA", pkgConfig: "alsa", providers: [.apt(["libasound2-dev"])]),
        .systemLibrary(name: "CCairo", pkgConfig: "pangocairo", providers: [.apt(["libcairo2-dev", "libpango1.0-dev"])]),
        .target(
            name: "CDetectShim",
            cxxSettings: optimisedCXX,
            linkerSettings: [
                .linkedLibrary("dlib"), .linkedLibrary("blas"), .linkedLibrary("lapack"),
                .linkedLibrary("webrtc_audio_processing"), .linkedLibrary("stdc++"),
            ]
        ),

        .target(name: "Encode", dependencies: ["CFFmpeg", "CALSA"]),
        .target(name: "Detect", dependencies: ["CDetectShim", "Encode"]),
        .target(name: "Session", dependencies: [
            "CSodium", "COpenSSL", "CCairo", "Encode", "Detect",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "proctor-cli", dependencies: [
            "Session", "Encode", "Detect",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Fuzzers (`make fuzz`, docs/benchmarks.md): one executable per parser of untrusted bytes.
        // A plain build makes them replay inputs instead, so they never need libFuzzer.
        .systemLibrary(name: "CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"]),
        .executableTarget(name: "fuzz-bundle-reader", dependencies: ["Session", "FuzzSupport"]),
        .executableTarget(name: "fuzz-settings", dependencies: ["Session", "FuzzSupport"]),
        .executableTarget(name: "fuzz-exam-file", dependencies: ["Session", "FuzzSupport"]),

        .testTarget(name: "EncodeTests", dependencies: ["Encode", "TestTools"], path: "Tests/EncodeTests"),
        .testTarget(name: "DetectTests", dependencies: ["Detect", "Encode", "TestTools"], path: "Tests/DetectTests"),
        .testTarget(name: "SessionTests", dependencies: ["Session", "Encode", "Detect", "NginxTestServer", "TestTools"], path: "Tests/SessionTests"),
        .testTarget(name: "CLITests", dependencies: ["proctor-cli", "Session", "NginxTestServer", "TestTools"], path: "Tests/CLITests"),
        // A real nginx WebDAV server on loopback for delivery tests, shared by both test targets.
        .target(name: "NginxTestServer", path: "Tests/Support/Nginx"),
        // Helpers more than one test target needs: an Xvfb display, coreutils' sha256sum, a small tmpfs.
        .target(name: "TestTools", path: "Tests/Support/Tools"),
    ],
    swiftLanguageModes: [.v6]
)
