import Encode
import XCTest
import ProctorModel

final class SourceSpecTests: XCTestCase {
    func testParsesEveryForm() throws {
        XCTAssertEqual(try SourceSpec(parsing: "auto", for: .camera), .auto)
        XCTAssertEqual(try SourceSpec(parsing: "none", for: .microphone), SourceSpec.none)
        XCTAssertEqual(try SourceSpec(parsing: "test", for: .screen), .test)
        XCTAssertEqual(try SourceSpec(parsing: "v4l2:/dev/video9", for: .camera), .v4l2(device: "/dev/video9"))
        XCTAssertEqual(try SourceSpec(parsing: "alsa:hw:1,0", for: .microphone), .alsa(pcm: "hw:1,0"))
        XCTAssertEqual(try SourceSpec(parsing: "x11:99", for: .screen), .x11(display: ":99"))
        XCTAssertEqual(try SourceSpec(parsing: "portal", for: .screen), .portal)
        XCTAssertEqual(SourceSpec.portal.description, "portal")
        XCTAssertEqual(try SourceSpec(parsing: "file:/tmp/a b.mkv", for: .camera), .file(path: "/tmp/a b.mkv"))
    }

    func testRejectsWrongSchemeForKindWithUsageCode() {
        for (text, kind) in [("alsa:default", SourceSpec.Kind.camera), ("v4l2:/dev/video0", .microphone),
                             ("file:x.mkv", .screen), ("webcam", .camera), ("file:", .camera), ("portal", .camera),
                             ("portal", .microphone)] {
            XCTAssertThrowsError(try SourceSpec(parsing: text, for: kind)) { error in
                XCTAssertEqual((error as? ProctorError)?.code, .usage, "\(text) for \(kind)")
            }
        }
    }
}
