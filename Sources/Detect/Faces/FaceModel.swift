internal import CDetectShim
import Foundation
import ProctorModel

/// A face found in a gray picture, in that picture's pixels.
public struct FaceBox: Sendable, Equatable {
    public var left, top, right, bottom: Double
    /// dlib's HOG margin: 0 is its default decision threshold, higher is surer.
    public var score: Double
    public var width: Double { right - left }
}

/// dlib's HOG frontal face detector and (optionally) its 68-point shape predictor. Owns the
/// C++ objects; one per detector thread, never shared (dlib's detector keeps scratch state).
public final class FaceModel {
    /// Debian's `libdlib-data` location of the 68-point model.
    public static let defaultLandmarkModel = "/usr/share/dlib/shape_predictor_68_face_landmarks.dat"

    /// Cascade levels of the 68-point model kept in memory (of 15): docs/detectors.md gives the
    /// head-pose error against the full model and the memory this saves.
    public static let defaultLandmarkLevels = 7

    /// Where prepared copies of the models are kept between runs (docs/detectors.md, "Start-up
    /// and the model cache"): `$PROCTOR_CACHE_DIR`, else `$XDG_CACHE_HOME/proctor`, else
    /// `~/.cache/proctor`. nil (no cache, every start slow) when it cannot be created.
    public static var defaultCacheFolder: URL? {
        let environment = ProcessInfo.processInfo.environment
        let folder: URL
        if let chosen = environment["PROCTOR_CACHE_DIR"], !chosen.isEmpty {
            folder = URL(fileURLWithPath: chosen)
        } else if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            folder = URL(fileURLWithPath: xdg).appendingPathComponent("proctor")
        } else {
            folder = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/proctor")
        }
        return (try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)) == nil ? nil : folder
    }

    private let handle: OpaquePointer
    public let hasLandmarks: Bool

    /// Which models this load took from the cache folder rather than preparing them anew.
    public struct CacheUse: OptionSet, Sendable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        public static let detector = CacheUse(rawValue: Int32(PROCTOR_FACES_CACHED_DETECTOR))
        public static let landmarks = CacheUse(rawValue: Int32(PROCTOR_FACES_CACHED_LANDMARKS))
    }
    public var cacheUse: CacheUse { CacheUse(rawValue: proctor_faces_cached(handle)) }

    /// Loads the detector, and the landmark model when a path is given, keeping its first
    /// `landmarkLevels` cascade levels (0 keeps all 15).
    public init(landmarkModel: String?, landmarkLevels: Int = FaceModel.defaultLandmarkLevels,
                cacheFolder: URL? = FaceModel.defaultCacheFolder) throws(ProctorError) {
        var message = [CChar](repeating: 0, count: 256)
        if let landmarkModel {
            guard FileManager.default.isReadableFile(atPath: landmarkModel) else {
                throw ProctorError(.missingModel, "dlib's face landmark model is not installed at \(landmarkModel); install Debian's libdlib-data")
            }
        }
        guard let handle = proctor_faces_create(landmarkModel, Int32(landmarkLevels), cacheFolder?.path, &message, message.count) else {
            let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw ProctorError(.missingModel, "could not load dlib's face models", detail: reason)
        }
        self.handle = handle
        self.hasLandmarks = landmarkModel != nil
    }

    deinit { proctor_faces_free(handle) }

    /// All faces in a gray8 picture, strongest first.
    public func detect(_ image: AnalysisImage, adjustThreshold: Double = 0) throws(ProctorError) -> [FaceBox] {
        guard image.format == .gray8 else { throw ProctorError(.usage, "face detection needs a gray8 picture") }
        var boxes = [proctor_face_box](repeating: proctor_face_box(), count: 8)
        let found = image.pixels.withUnsafeBufferPointer { pixels in
            proctor_faces_detect(handle, pixels.baseAddress, Int32(image.width), Int32(image.height),
                                 adjustThreshold, &boxes, Int32(boxes.count))
        }
        guard found >= 0 else { throw ProctorError(.library, "dlib's face detector failed on a \(image.width)x\(image.height) picture") }
        return boxes.prefix(Int(found)).map {
            FaceBox(left: $0.left, top: $0.top, right: $0.right, bottom: $0.bottom, score: $0.score)
        }
    }

    /// The 68 landmarks (dlib/iBUG numbering) of one face.
    public func landmarks(_ image: AnalysisImage, face: FaceBox) throws(ProctorError) -> [(x: Double, y: Double)] {
        guard hasLandmarks else { throw ProctorError(.usage, "this face model was loaded without landmarks") }
        guard image.format == .gray8 else { throw ProctorError(.usage, "landmarks need a gray8 picture") }
        var box = proctor_face_box(left: face.left, top: face.top, right: face.right, bottom: face.bottom,
                                   score: face.score, filter: 0)
        var xy = [Float](repeating: 0, count: 136)
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            proctor_faces_landmarks(handle, pixels.baseAddress, Int32(image.width), Int32(image.height), &box, &xy)
        }
        guard status == 0 else { throw ProctorError(.library, "dlib's shape predictor failed") }
        return (0..<68).map { (Double(xy[2 * $0]), Double(xy[2 * $0 + 1])) }
    }
}
