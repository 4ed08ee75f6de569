internal import CDetectShim
import ProctorModel
import Foundation

/// libfacedetection's CNN face detector (Shiqi Yu, BSD-3), loaded at run time from the copy
/// `make setup`/`make install` put under `lib/proctor/facedetection`. It finds faces HOG misses
/// (darker faces in backlight or side light, small or noisy faces: docs/detectors.md,
/// "Fairness"), at ~8 ms a 320x240 sample on one core. Its build needs AVX2, so without AVX2 or
/// without the library `FaceDetector` runs dlib's HOG alone and precheck says so.
public final class FaceNetwork {
    private let handle: OpaquePointer
    /// The library file that was loaded.
    public let path: String

    /// Where the library is looked for, in order: `$PROCTOR_LIB_DIR`, then `lib/proctor` beside
    /// the executable's `bin` (an installed proctor, or `.build/<config>/` in a checkout), then
    /// the default install prefixes.
    public static var searchPaths: [String] {
        let relative = "facedetection/yuface/libfacedetection.so"
        var folders: [String] = []
        if let chosen = ProcessInfo.processInfo.environment["PROCTOR_LIB_DIR"], !chosen.isEmpty { folders.append(chosen) }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        // bin/../lib/proctor when installed; .build/<triple>/debug/../../lib/proctor in a checkout.
        folders.append(executable.appendingPathComponent("../lib/proctor").standardized.path)
        folders.append(executable.appendingPathComponent("../../lib/proctor").standardized.path)
        folders += ["/usr/local/lib/proctor", "/usr/lib/proctor"]
        return folders.map { $0 + "/" + relative }
    }

    /// Whether this CPU can run the installed build (AVX2 and FMA).
    public static var cpuSupported: Bool { proctor_cpu_has_avx2() != 0 }

    /// Loads the first library found on `searchPaths` (or at `path`). Throws `.missingModel`
    /// with the reason a person can act on: no AVX2, not installed, or not loadable.
    public init(path: String? = nil) throws(ProctorError) {
        guard Self.cpuSupported else {
            throw ProctorError(.missingModel, "this CPU has no AVX2, which the CNN face detector needs; dlib's HOG detector is used instead")
        }
        let candidates = path.map { [$0] } ?? Self.searchPaths
        guard let found = candidates.first(where: { FileManager.default.isReadableFile(atPath: $0) }) else {
            throw ProctorError(.missingModel, "libfacedetection is not installed (run `make setup` or `make install`); dlib's HOG detector is used instead",
                              detail: "looked in " + candidates.joined(separator: ", "))
        }
        var message = [CChar](repeating: 0, count: 256)
        guard let handle = proctor_face_cnn_open(found, &message, message.count) else {
            let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw ProctorError(.missingModel, "could not load libfacedetection from \(found); dlib's HOG detector is used instead", detail: reason)
        }
        self.handle = handle
        self.path = found
    }

    deinit { proctor_face_cnn_free(handle) }

    /// All faces the network reports in a gray8 picture (confidence ≥ 0.5, its own floor),
    /// strongest first; `score` is its confidence 0...1.
    public func detect(_ image: AnalysisImage) throws(ProctorError) -> [FaceBox] {
        guard image.format == .gray8 else { throw ProctorError(.usage, "face detection needs a gray8 picture") }
        var boxes = [proctor_face_box](repeating: proctor_face_box(), count: 8)
        let found = image.pixels.withUnsafeBufferPointer { pixels in
            proctor_face_cnn_detect(handle, pixels.baseAddress, Int32(image.width), Int32(image.height), &boxes, Int32(boxes.count))
        }
        guard found >= 0 else { throw ProctorError(.library, "libfacedetection failed on a \(image.width)x\(image.height) picture") }
        return boxes.prefix(Int(min(found, 8))).map {
            FaceBox(left: $0.left, top: $0.top, right: $0.right, bottom: $0.bottom, score: $0.score)
        }
    }
}
