import Detect
import Foundation
import XCTest
import ProctorModel

final class ShimTests: XCTestCase {
    /// The shim is compiled against dlib's headers and linked to its shared library: the version
    /// it was compiled with must be the installed headers' (dlib/revision.h) and the library
    /// this process loaded (its file is named for its version), or dlib's ABI may not match.
    func testShimWasBuiltAgainstTheInstalledAndLoadedDlib() throws {
        let revision = try String(contentsOfFile: "/usr/include/dlib/revision.h", encoding: .utf8)
        let header = try ["MAJOR", "MINOR", "PATCH"].map { part in
            let line = try XCTUnwrap(revision.split(separator: "\n").first { $0.hasPrefix("#define DLIB_\(part)_VERSION") })
            return try XCTUnwrap(line.split(separator: " ").last.map(String.init))
        }.joined(separator: ".")
        XCTAssertEqual(DetectModule.dlibVersion, header, "compiled against /usr/include/dlib")

        // /proc files report size 0: read to the end, not by the size.
        let maps = String(decoding: try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/maps")).readToEnd() ?? Data(), as: UTF8.self)
        let mapped = try XCTUnwrap(maps.split(separator: "\n").compactMap { $0.split(separator: " ").last }
            .first { $0.contains("/libdlib.so") }, "libdlib is loaded")
        let file = URL(fileURLWithPath: String(mapped)).resolvingSymlinksInPath().lastPathComponent
        XCTAssertEqual(file, "libdlib.so.\(DetectModule.dlibVersion)", "linked to the library of that version")
    }
}

final class ModelTests: XCTestCase {
    func testMissingLandmarkModelIsAClearError() {
        XCTAssertThrowsError(try FaceModel(landmarkModel: "/nonexistent/shape_predictor_68_face_landmarks.dat")) { error in
            let detectError = error as? ProctorError
            XCTAssertEqual(detectError?.code, .missingModel)
            XCTAssertTrue(detectError?.message.contains("libdlib-data") ?? false, detectError?.message ?? "")
        }
    }

    func testDetectorRejectsColourPictureForDlib() throws {
        let model = try FaceModel(landmarkModel: nil)
        let rgb = AnalysisImage(width: 4, height: 4, format: .rgb24, pixels: [UInt8](repeating: 0, count: 48), time: 0)
        XCTAssertThrowsError(try model.detect(rgb)) { XCTAssertEqual(($0 as? ProctorError)?.code, .usage) }
    }
}
