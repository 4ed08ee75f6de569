@testable import Encode
internal import CFFmpeg
import XCTest

/// Several shared monitors become one screen picture, each where the portal says it sits.
/// (The headless test desktop has one output: xdg-desktop-portal-wlr shares one per session.)
final class MonitorCanvasTests: XCTestCase {
    private func solid(width: Int32, height: Int32, bgr: [UInt8]) throws -> Frame {
        let frame = Frame()
        frame.pointer.pointee.width = width
        frame.pointer.pointee.height = height
        frame.pointer.pointee.format = AV_PIX_FMT_BGR0.rawValue
        XCTAssertGreaterThanOrEqual(av_frame_get_buffer(frame.pointer, 0), 0)
        let base = try XCTUnwrap(planeData(frame.pointer, 0))
        let stride = Int(planeLineSize(frame.pointer, 0))
        for row in 0..<Int(height) {
            for column in 0..<Int(width) {
                for (index, byte) in (bgr + [255]).enumerated() { base[row * stride + column * 4 + index] = byte }
            }
        }
        return frame
    }

    private func pixel(_ frame: Frame, _ x: Int, _ y: Int) throws -> [UInt8] {
        let base = try XCTUnwrap(planeData(frame.pointer, 0))
        let offset = y * Int(planeLineSize(frame.pointer, 0)) + x * 4
        return [base[offset], base[offset + 1], base[offset + 2]]
    }

    func testMonitorsAreDrawnWhereTheDesktopPlacesThem() throws {
        // A 320x240 monitor left of a 160x120 one that sits 60 px lower.
        let canvas = MonitorCanvas([.init(node: 1, x: 0, y: 0, width: 320, height: 240), .init(node: 2, x: 320, y: 60, width: 160, height: 120)])
        let red = try solid(width: 320, height: 240, bgr: [0, 0, 255])
        // The second monitor's picture is HiDPI (twice its logical size): scaled into its place.
        let blue = try solid(width: 320, height: 240, bgr: [255, 0, 0])
        let picture = try canvas.draw([red, blue])
        XCTAssertEqual(picture.width, 480)
        XCTAssertEqual(picture.height, 240)
        XCTAssertEqual(try pixel(picture, 10, 10), [0, 0, 255])
        XCTAssertEqual(try pixel(picture, 319, 239), [0, 0, 255])
        XCTAssertEqual(try pixel(picture, 400, 120), [255, 0, 0])
        XCTAssertEqual(try pixel(picture, 400, 10), [0, 0, 0], "outside every monitor: black")
        XCTAssertEqual(try pixel(picture, 400, 200), [0, 0, 0])
        // A monitor without a picture yet stays black; the other is still drawn.
        let half = try canvas.draw([red, nil])
        XCTAssertEqual(try pixel(half, 10, 10), [0, 0, 255])
        XCTAssertEqual(try pixel(half, 400, 120), [0, 0, 0])
    }
}
