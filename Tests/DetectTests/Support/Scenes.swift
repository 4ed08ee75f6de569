import Detect
import Encode
import Foundation
import ProctorModel

/// Test pictures built from the fixture photos: crops, scaling, side-by-side scenes, dimming,
/// flattening and sensor noise, all in memory with known ground truth.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func photo(_ name: String) throws -> AnalysisImage {
        let bytes = try [UInt8](Data(contentsOf: root.appendingPathComponent("faces/\(name)")))
        return try StillImage.decode(bytes, as: .gray8)
    }
}

/// A rectangle in source pixels.
struct Crop {
    var x, y, width, height: Int
}

/// Deterministic noise (SplitMix64) so a failing test fails the same way twice.
struct SeededNoise: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension AnalysisImage {
    func cropped(_ crop: Crop) -> AnalysisImage {
        precondition(format == .gray8)
        let x = max(0, crop.x), y = max(0, crop.y)
        let w = min(width - x, crop.width), h = min(height - y, crop.height)
        var out = [UInt8]()
        out.reserveCapacity(w * h)
        for row in y..<(y + h) { out.append(contentsOf: pixels[(row * width + x)..<(row * width + x + w)]) }
        return AnalysisImage(width: w, height: h, format: .gray8, pixels: out, time: time)
    }

    func scaled(_ w: Int, _ h: Int) throws -> AnalysisImage {
        try StillImage.resized(self, width: w, height: h, format: .gray8)
    }

    /// Places pictures left to right on one canvas of their summed width.
    static func sideBySide(_ parts: [AnalysisImage]) -> AnalysisImage {
        let height = parts[0].height, width = parts.reduce(0) { $0 + $1.width }
        var out = [UInt8](repeating: 0, count: width * height)
        var left = 0
        for part in parts {
            for row in 0..<height {
                out.replaceSubrange((row * width + left)..<(row * width + left + part.width),
                                    with: part.pixels[(row * part.width)..<((row + 1) * part.width)])
            }
            left += part.width
        }
        return AnalysisImage(width: width, height: height, format: .gray8, pixels: out, time: 0)
    }

    /// value * gain + offset, as a dim room (gain < 1) or a washed-out one (gain < 1, offset > 0) makes it.
    func toned(gain: Double, offset: Double = 0) -> AnalysisImage {
        mapPixels { Double($0) * gain + offset }
    }

    /// Adds uniform sensor noise of ±amplitude levels; a real camera never repeats a frame exactly.
    func noisy(_ amplitude: Int, _ noise: inout SeededNoise) -> AnalysisImage {
        guard amplitude > 0 else { return self }
        // One 64-bit draw gives eight noise bytes: fast enough for debug builds.
        let span = UInt64(2 * amplitude + 1)
        var out = pixels
        var bits: UInt64 = 0
        out.withUnsafeMutableBufferPointer { buffer in
            for index in buffer.indices {
                if index % 8 == 0 { bits = noise.next() }
                let offset = Int((bits & 0xFF) % span) - amplitude
                bits >>= 8
                buffer[index] = UInt8(clamping: Int(buffer[index]) + offset)
            }
        }
        return AnalysisImage(width: width, height: height, format: format, pixels: out, time: time)
    }

    func at(_ time: Double) -> AnalysisImage {
        AnalysisImage(width: width, height: height, format: format, pixels: pixels, time: time)
    }

    private func mapPixels(_ transform: (Double) -> Double) -> AnalysisImage {
        let table = (0..<256).map { UInt8(clamping: Int(transform(Double($0)).rounded())) }
        return AnalysisImage(width: width, height: height, format: format, pixels: pixels.map { table[Int($0)] }, time: time)
    }
}

/// The scenes the face tests use, 320x240 like the recording pipeline's analysis frames.
enum Scenes {
    static func oneFace() throws -> AnalysisImage {
        try Fixtures.photo("grace_hopper.jpg").cropped(Crop(x: 0, y: 41, width: 512, height: 384)).scaled(320, 240)
    }
    static func otherFace() throws -> AnalysisImage {
        try Fixtures.photo("astronaut.jpg").cropped(Crop(x: 68, y: 9, width: 310, height: 232)).scaled(320, 240)
    }
    static func frontalFace() throws -> AnalysisImage {
        try StillImage.letterboxed(Fixtures.photo("Tom_Cruise_avp_2014_4.jpg"), width: 320, height: 240, format: .gray8)
    }
    /// A dim room: a tenth of the light and the amplified sensor noise that comes with it.
    static func dim(_ image: AnalysisImage, _ noise: inout SeededNoise) -> AnalysisImage {
        image.toned(gain: 0.1).noisy(12, &noise)
    }
    static func noFace() throws -> AnalysisImage {
        try Fixtures.photo("dogs.jpg").cropped(Crop(x: 0, y: 116, width: 900, height: 675)).scaled(320, 240)
    }
    static func twoFaces() throws -> AnalysisImage {
        let left = try Fixtures.photo("grace_hopper.jpg").cropped(Crop(x: 118, y: 0, width: 315, height: 472)).scaled(160, 240)
        let right = try Fixtures.photo("astronaut.jpg").cropped(Crop(x: 145, y: 8, width: 157, height: 235)).scaled(160, 240)
        return .sideBySide([left, right])
    }
    static func turnedAway() throws -> AnalysisImage {
        try Fixtures.photo("2007_007763.jpg").cropped(Crop(x: 313, y: 37, width: 187, height: 140)).scaled(320, 240)
    }
    /// `turnedAway` without the half face at its left edge, which the CNN finds (HOG did not).
    static func turnedAwayAlone() throws -> AnalysisImage {
        try Fixtures.photo("2007_007763.jpg").cropped(Crop(x: 375, y: 40, width: 125, height: 94)).scaled(320, 240)
    }
    static func turnedAwayToo() throws -> AnalysisImage {
        try Fixtures.photo("2008_002079.jpg").cropped(Crop(x: 0, y: 150, width: 170, height: 128)).scaled(320, 240)
    }
    static func black() -> AnalysisImage {
        AnalysisImage(width: 320, height: 240, format: .gray8, pixels: [UInt8](repeating: 3, count: 320 * 240), time: 0)
    }
}

/// A sequence of scenes with known intervals, sampled at the detectors' rate with media times.
struct Clip {
    struct Segment {
        var name: String
        var start: Double
        var end: Double
        var picture: AnalysisImage
    }
    var segments: [Segment] = []
    var rate = 2.0
    /// Sensor noise on every frame (a real camera never repeats a frame exactly).
    var noise = 2

    mutating func add(_ name: String, seconds: Double, _ picture: AnalysisImage) {
        let start = segments.last?.end ?? 0
        segments.append(Segment(name: name, start: start, end: start + seconds, picture: picture))
    }

    var duration: Double { segments.last?.end ?? 0 }

    func segment(_ name: String) -> Segment { segments.first { $0.name == name }! }

    func frames(seed: UInt64 = 7) -> [AnalysisImage] {
        var generator = SeededNoise(state: seed)
        var frames: [AnalysisImage] = []
        var index = 0
        while Double(index) / rate < duration {
            let time = Double(index) / rate
            let segment = segments.first { time >= $0.start && time < $0.end }!
            frames.append(segment.picture.noisy(noise, &generator).at(time))
            index += 1
        }
        return frames
    }
}

extension AnalysisImage {
    /// The picture the face detector sees in a recording: scaled by libswscale to the size the
    /// detector asks the capture feed for (`FaceDetector.analysis`), as the feed does.
    func asFedToFaces() throws -> AnalysisImage {
        let request = FaceDetector.analysis
        let scale = min(Double(request.width) / Double(width), Double(request.height) / Double(height))
        let size = (width: max(16, Int((Double(width) * scale).rounded())), height: max(16, Int((Double(height) * scale).rounded())))
        if format == .gray8, size.width == width, size.height == height { return self }
        return try StillImage.resized(self, width: size.width, height: size.height, format: .gray8)
    }
}
