import Encode
import XCTest
import ProctorModel

final class StillImageTests: XCTestCase {
    /// A smooth gradient with a sharp-edged block: easy to compare after lossy coding.
    private func gradient(width: Int, height: Int) -> AnalysisImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                let inBlock = x >= width / 4 && x < width / 2 && y >= height / 4 && y < height / 2
                pixels[i] = UInt8(x * 255 / (width - 1))
                pixels[i + 1] = UInt8(y * 255 / (height - 1))
                pixels[i + 2] = inBlock ? 255 : 40
            }
        }
        return AnalysisImage(width: width, height: height, format: .rgb24, pixels: pixels, time: 1.5)
    }

    private func meanAbsoluteError(_ a: AnalysisImage, _ b: AnalysisImage) -> Double {
        precondition(a.pixels.count == b.pixels.count)
        let total = zip(a.pixels, b.pixels).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }
        return Double(total) / Double(a.pixels.count)
    }

    func testJPEGRoundTripKeepsSizeAndPicture() throws {
        let original = gradient(width: 160, height: 120)
        let jpeg = try StillImage.encodeJPEG(original, quality: 90)
        XCTAssertEqual(Array(jpeg.prefix(2)), [0xFF, 0xD8], "not a JPEG start-of-image marker")
        XCTAssertEqual(Array(jpeg.suffix(2)), [0xFF, 0xD9], "not a JPEG end-of-image marker")
        let decoded = try StillImage.decode(jpeg, as: .rgb24, time: 1.5)
        XCTAssertEqual(decoded.width, 160)
        XCTAssertEqual(decoded.height, 120)
        XCTAssertEqual(decoded.time, 1.5)
        XCTAssertLessThan(meanAbsoluteError(original, decoded), 6, "JPEG at quality 90 should stay close to the source")
    }

    func testLowerQualityMakesSmallerFiles() throws {
        let image = gradient(width: 320, height: 240)
        let best = try StillImage.encodeJPEG(image, quality: 95)
        let worst = try StillImage.encodeJPEG(image, quality: 5)
        XCTAssertLessThan(worst.count, best.count)
    }

    func testGrayDecodeMatchesLuma() throws {
        let uniform = AnalysisImage(width: 64, height: 48, format: .rgb24,
                                    pixels: [UInt8](repeating: 128, count: 64 * 48 * 3), time: 0)
        let gray = try StillImage.decode(try StillImage.encodeJPEG(uniform), as: .gray8)
        XCTAssertEqual(gray.pixels.count, 64 * 48)
        let mean = Double(gray.pixels.reduce(0) { $0 + Int($1) }) / Double(gray.pixels.count)
        XCTAssertEqual(mean, 128, accuracy: 3)
    }

    func testLetterboxKeepsAspectAndPadsBlack() throws {
        // A 4:3 white picture into a 16:9 box: bars left and right, none above or below.
        let white = AnalysisImage(width: 400, height: 300, format: .gray8,
                                  pixels: [UInt8](repeating: 255, count: 400 * 300), time: 0)
        let boxed = try StillImage.letterboxed(white, width: 320, height: 180)
        XCTAssertEqual(boxed.width, 320)
        XCTAssertEqual(boxed.height, 180)
        // Inner picture is 240x180, centred: columns 0..<40 and 280..<320 are black.
        XCTAssertEqual(boxed.pixels[90 * 320 + 10], 0)
        XCTAssertEqual(boxed.pixels[90 * 320 + 310], 0)
        XCTAssertGreaterThan(boxed.pixels[90 * 320 + 160], 250)
        XCTAssertGreaterThan(boxed.pixels[0 * 320 + 160], 250, "top row of the picture must not be padded")
    }

    func testRejectsDataThatIsNotAnImage() {
        XCTAssertThrowsError(try StillImage.decode([1, 2, 3, 4])) { error in
            XCTAssertEqual((error as? ProctorError)?.code, .badData)
        }
        XCTAssertThrowsError(try StillImage.decode([0xFF, 0xD8, 0, 0, 0])) { error in
            XCTAssertNotNil(error as? ProctorError)
        }
    }
}
