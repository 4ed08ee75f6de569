// swift-tools-version:6.0
import PackageDescription

// dlib and the WebRTC VAD are numeric C++: at -O0 face detection runs ~50x slower, so the
// shim is always optimised, even in debug builds.
let optimisedCXX: [CXXSetting] = [
    .unsafeFlags(["-O2", "-I/usr/include/webrtc_audio_processing", "-DWEBRTC_POSIX", "-DWEBRTC_AUDIO_PROCESSING_ONLY_BUILD"]),
]

let package = Package(
    name: "proctor",
    products: [
        .executable(name: "proctor", targets: ["proctor-cli"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/sqlite-nio", from: "1.13.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
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
        // The Wayland screen source: PipeWire for the video stream, GDBus for the ScreenCast
        // portal, both used only by the C shim CScreenCast (callbacks and SPA pod macros).
        .systemLibrary(name: "CPipeWire", pkgConfig: "libpipewire-0.3", providers: [.apt(["libpipewire-0.3-dev"])]),
        .systemLibrary(name: "CGio", pkgConfig: "gio-unix-2.0", providers: [.apt(["libglib2.0-dev"])]),
        .target(name: "CScreenCast", dependencies: ["CPipeWire", "CGio"]),
        .target(
            name: "CDetectShim",
            cxxSettings: optimisedCXX,
            linkerSettings: [
                .linkedLibrary("dlib"), .linkedLibrary("blas"), .linkedLibrary("lapack"),
                .linkedLibrary("webrtc_audio_processing"), .linkedLibrary("stdc++"),
            ]
        ),

        // The model every module shares, without C: clock, analysis frames, timeline events and
        // their kinds, detection settings, the one error shape (docs/architecture.md).
        .target(name: "ProctorModel"),
        .target(name: "Encode", dependencies: ["ProctorModel", "CFFmpeg", "CALSA", "CScreenCast"]),
        .target(name: "Detect", dependencies: ["ProctorModel", "CDetectShim"]),
        // Crypto, keys, the sealed bundle and its record payloads: libsodium and libcrypto.
        .target(name: "Seal", dependencies: ["ProctorModel", "CSodium", "COpenSSL"]),
        // Settings (TOML), signed exam files, the disclosure.
        .target(name: "Exam", dependencies: ["ProctorModel", "Seal", "Attest"]),
        // Where bundles live on the student's machine, delivery, receipts, retention.
        .target(name: "Delivery", dependencies: ["ProctorModel", "Seal", "Exam", "Attest"]),
        // The signed wire formats the collection server and the client share: attempt tickets,
        // live checkpoints, receipts, the server's key (docs/server.md). No web stack.
        .target(name: "Attest", dependencies: ["ProctorModel", "Seal"]),
        // Export: PDF through cairo, JSON, CSV, media, the class overview.
        .target(name: "Report", dependencies: ["ProctorModel", "Seal", "Exam", "Encode", "CCairo", "Attest"]),
        // The recording use case (begin, resume, finish) and precheck.
        .target(name: "Session", dependencies: [
            "ProctorModel", "Encode", "Detect", "Seal", "Exam", "Delivery", "Attest",
        ]),
        // The one web layer (Hummingbird) under `proctor serve`, `proctor review` and the student
        // page: JSON errors, body limits, byte ranges, embedded assets, the loopback guard.
        .target(name: "WebLayer", dependencies: [
            "ProctorModel",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // The student's page beside `proctor begin`: preview, photos, room scan, warnings, submit.
        .target(name: "StudentPage", dependencies: [
            "ProctorModel", "Session", "Delivery", "WebLayer", .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
        ], resources: [.embedInCode("Assets/index.html"), .embedInCode("Assets/student.js"), .embedInCode("Assets/student.css")]),
        // `proctor review`: the instructor's review app in the browser (docs/review.md).
        .target(name: "Review", dependencies: [
            "ProctorModel", "Report", "Seal", "Exam", "Encode", "WebLayer",
            .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HTTPTypes", package: "swift-http-types"),
        ], resources: [
            .embedInCode("Assets/class.html"), .embedInCode("Assets/attempt.html"), .embedInCode("Assets/review.css"),
            .embedInCode("Assets/class.js"), .embedInCode("Assets/attempt.js"),
        ]),
        // `proctor serve`: the collection server (docs/server.md). Metadata in SQLite or PostgreSQL, bundles in a folder.
        .target(name: "Server", dependencies: [
            "ProctorModel", "Seal", "Exam", "Attest", "WebLayer",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "SQLiteNIO", package: "sqlite-nio"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
        ], resources: [.embedInCode("Assets/dashboard.html"), .embedInCode("Assets/dashboard.js"), .embedInCode("Assets/dashboard.css")]),
        .executableTarget(name: "proctor-cli", dependencies: [
            "ProctorModel", "Encode", "Detect", "Seal", "Exam", "Delivery", "Report", "Session", "Attest", "Server", "Review", "StudentPage", "WebLayer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Fuzzers (`make fuzz`, docs/benchmarks.md): one executable per parser of untrusted bytes.
        // A plain build makes them replay inputs instead, so they never need libFuzzer.
        .systemLibrary(name: "CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"]),
        .executableTarget(name: "fuzz-bundle-reader", dependencies: ["Seal", "FuzzSupport"]),
        .executableTarget(name: "fuzz-settings", dependencies: ["Exam", "FuzzSupport"]),
        .executableTarget(name: "fuzz-exam-file", dependencies: ["Exam", "FuzzSupport"]),

        .testTarget(name: "WebLayerTests", dependencies: [
            "WebLayer", "TestTools", "BrowserTesting", .product(name: "Hummingbird", package: "hummingbird"),
        ], path: "Tests/WebLayerTests"),
        .testTarget(name: "AttestTests", dependencies: ["Attest", "Seal", "ProctorModel"], path: "Tests/AttestTests"),
        .testTarget(name: "ReviewTests", dependencies: [
            "Review", "Report", "Seal", "Encode", "ProctorModel", "WebLayer", "TestTools", "BrowserTesting", "proctor-cli",
        ], path: "Tests/ReviewTests"),
        .testTarget(name: "EncodeTests", dependencies: ["ProctorModel", "Encode", "TestTools"], path: "Tests/EncodeTests"),
        .testTarget(name: "DetectTests", dependencies: ["ProctorModel", "Detect", "Encode", "TestTools"], path: "Tests/DetectTests"),
        .testTarget(name: "SessionTests", dependencies: ["ProctorModel", "Seal", "Exam", "Delivery", "Report", "Session", "Encode", "Detect", "NginxTestServer", "TestTools", "Attest", "StudentPage", "WebLayer"], path: "Tests/SessionTests"),
        .testTarget(name: "ServerTests", dependencies: ["Server", "ProctorModel", "PostgresTestServer", .product(name: "Logging", package: "swift-log")],
                    path: "Tests/ServerTests"),
        .testTarget(name: "CLITests", dependencies: ["proctor-cli", "ProctorModel", "Seal", "Exam", "Delivery", "Report", "Session", "NginxTestServer", "TestTools",
                                                "Attest", "BrowserTesting", "Encode", "PostgresTestServer", .product(name: "SQLiteNIO", package: "sqlite-nio")], path: "Tests/CLITests"),
        // A real nginx WebDAV server on loopback for delivery tests, and a TCP proxy that cuts
        // connections as a flaky network does; shared by both test targets.
        .target(name: "NginxTestServer", path: "Tests/Support/Nginx"),
        // A private PostgreSQL cluster (Debian's postgresql) per test class, for the shared metadata store.
        .target(name: "PostgresTestServer", path: "Tests/Support/Postgres"),
        // Helpers more than one test target needs: an Xvfb display, coreutils' sha256sum, a small tmpfs.
        .target(name: "TestTools", path: "Tests/Support/Tools"),
        // A real headless Chromium through chromedriver (WebDriver) and axe-core, for the pages.
        .target(name: "BrowserTesting", dependencies: ["TestTools"], path: "Tests/Support/Browser"),
    ],
    swiftLanguageModes: [.v6]
)
