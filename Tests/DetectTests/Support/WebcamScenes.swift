import Encode
import Foundation
import ProctorModel

/// The LFW fairness photos (../shared/fixtures/fairness-lfw, not committed: news photographs
/// distributed for research) and their manifest.
enum FairnessPhotos {
    struct Entry: Decodable {
        var file: String
        var person: String
        var group: String
        var pose: String
    }

    /// `../shared/fixtures/fairness-lfw` relative to the project root, as CI lays it out.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("../shared/fixtures/fairness-lfw").standardized

    static var available: Bool { FileManager.default.fileExists(atPath: root.appendingPathComponent("manifest.json").path) }

    static func manifest() throws -> [Entry] {
        try JSONDecoder().decode([Entry].self, from: Data(contentsOf: root.appendingPathComponent("manifest.json")))
    }

    static func photo(_ entry: Entry) throws -> AnalysisImage {
        try StillImage.decode([UInt8](Data(contentsOf: root.appendingPathComponent(entry.file))), as: .gray8)
    }
}

/// Webcam-like 640x480 scenes around one portrait, made as hard as real laptop webcams: the
/// face at 35-60% of the frame height, a plain or room-like background, slight motion, and a
/// lighting variant; then reduced to the recording's 320x240 analysis frame.
enum WebcamScene {
    enum Background: String, CaseIterable { case plain, room }

    enum Lighting: String, CaseIterable {
        case normal, dim, dark, backlit, sideLit = "side-lit", lowContrastNoise = "low-contrast+noise", compressed
        /// A cheap laptop webcam: soft optics (the detail of a 256x192 sensor), more noise, strong
        /// compression and a little under-exposed.
        case softWebcam = "soft-webcam"
        /// Variants the fairness target covers: a face in them must be found (issue 14).
        static let targeted: [Lighting] = [.normal, .dim, .backlit, .sideLit]
    }

    /// LFW's face box is about 250/2.2 px of its 250 px photo (the fixture README).
    static let faceShareOfPhoto = 0.456

    /// One portrait scaled so its face is `faceHeight` of the 480-line frame, with the mask that
    /// fades the photo's own background out over its outer fifth (a head and shoulders sitting in
    /// the room rather than a square picture). Prepared once per photo and size.
    struct Portrait {
        let side: Int
        let pixels: [UInt8]
        /// 0...256 per pixel.
        let alpha: [Int]

        init(_ photo: AnalysisImage, faceHeight: Double) throws {
            side = Int((faceHeight * 480 / WebcamScene.faceShareOfPhoto).rounded())
            pixels = try StillImage.resized(photo, width: side, height: side, format: .gray8).pixels
            let radius = Double(side) / 2
            var alpha = [Int](repeating: 0, count: side * side)
            for y in 0..<side {
                let dy = (Double(y) - radius) / radius
                for x in 0..<side {
                    let dx = (Double(x) - radius) / radius
                    let distance = (dx * dx * 1.4 + dy * dy * 0.8).squareRoot()
                    alpha[y * side + x] = Int(256 * min(1, max(0, (0.98 - distance) / 0.25)))
                }
            }
            self.alpha = alpha
        }
    }

    static func make(_ portrait: Portrait, background: Background, lighting: Lighting,
                     shift: (x: Int, y: Int), noise: inout SeededNoise) throws -> AnalysisImage {
        try make([(portrait, 320 + shift.x)], background: background, lighting: lighting, shiftY: shift.y, noise: &noise)
    }

    /// Portraits placed with their faces centred at the given x (of 640); `faceLight` overrides
    /// how much light reaches the faces (backlight: a third).
    static func make(_ portraits: [(Portrait, Int)], background: Background, lighting: Lighting, shiftY: Int = 0,
                     faceLight: Double? = nil, noise: inout SeededNoise) throws -> AnalysisImage {
        let width = 640, height = 480
        var wall = room(background, width: width, height: height, lighting: lighting)
        // Backlight: the camera exposes for the bright window, so the face comes out at a third,
        // and the window's flare lifts its shadows (veiling glare), flattening it further.
        let faceGain = Int(256 * (faceLight ?? (lighting == .backlit ? 0.3 : 1)))
        let glare = lighting == .backlit && faceLight == nil ? 18 : 0
        var lampFrom = 0, lampTo = width
        for (portrait, centreX) in portraits {
            let side = portrait.side
            // Face centre at 45% of the height (a webcam sees some chest), plus the motion.
            let centreY = Int(0.45 * Double(height)) + shiftY
            let originX = centreX - side / 2, originY = centreY - side / 2
            lampFrom = centreX - side / 3
            lampTo = centreX + side / 3
            portrait.pixels.withUnsafeBufferPointer { source in
                portrait.alpha.withUnsafeBufferPointer { alpha in
                    wall.withUnsafeMutableBufferPointer { scene in
                        for y in max(0, originY)..<min(height, originY + side) {
                            let row = (y - originY) * side - originX
                            for x in max(0, originX)..<min(width, originX + side) {
                                let a = alpha[row + x]
                                guard a > 0 else { continue }
                                let value = min(255, (Int(source[row + x]) * faceGain) >> 8 + glare)
                                let index = y * width + x
                                scene[index] = UInt8((a * value + (256 - a) * Int(scene[index])) >> 8)
                            }
                        }
                    }
                }
            }
        }
        var frame = AnalysisImage(width: width, height: height, format: .gray8, pixels: wall, time: 0)
        switch lighting {
        case .normal, .compressed: frame = frame.noisy(2, &noise)
        case .dim: frame = frame.toned(gain: 0.45).noisy(4, &noise)
        case .dark: frame = frame.toned(gain: 0.15).noisy(8, &noise)
        case .backlit: frame = frame.noisy(3, &noise)
        case .sideLit: frame = frame.sideLit(from: lampFrom, to: lampTo).noisy(3, &noise)
        case .lowContrastNoise: frame = frame.toned(gain: 0.4, offset: 75).noisy(10, &noise)
        case .softWebcam:
            let soft = try StillImage.resized(try StillImage.resized(frame, width: 256, height: 192, format: .gray8), width: width, height: height, format: .gray8)
            frame = soft.toned(gain: 0.7).noisy(6, &noise)
        }
        if lighting == .compressed || lighting == .softWebcam {
            frame = try StillImage.decode(try StillImage.encodeJPEG(frame, quality: lighting == .compressed ? 12 : 25), as: .gray8)
        }
        return try StillImage.resized(frame, width: 320, height: 240, format: .gray8)
    }

    /// The wall: plain (one evenly lit gray with a slight vertical falloff) or a room (shelves,
    /// a door and a window); backlit puts a bright window or lamp behind the student.
    static func room(_ background: Background, width: Int, height: Int, lighting: Lighting) -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: width * height)
        func fill(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ value: UInt8) {
            pixels.withUnsafeMutableBufferPointer { buffer in
                for y in max(0, y0)..<min(height, y1) {
                    let start = y * width
                    buffer[(start + max(0, x0))..<(start + min(width, x1))].update(repeating: value)
                }
            }
        }
        // A slight falloff from the ceiling light: 150 at the top to 130 at the bottom.
        for y in 0..<height { fill(0, y, width, y + 1, UInt8(150 - 20 * y / height)) }
        if background == .room {
            fill(20, 60, 170, 70, 90); fill(20, 140, 170, 150, 90)              // shelves
            for book in 0..<9 { fill(25 + 15 * book, 85 + (book % 3) * 8, 36 + 15 * book, 140, UInt8(60 + 20 * (book % 4))) }
            fill(470, 40, 600, 480, 110); fill(480, 250, 492, 262, 200)          // a door and its handle
            fill(230, 20, 410, 120, 185)                                          // a window
        }
        if lighting == .backlit {
            // A bright window behind the head: the camera exposes for it and the face goes dark.
            fill(0, 0, width, height * 3 / 4, 235)
            fill(0, height * 3 / 4, width, height, 200)
        }
        return pixels
    }
}

extension AnalysisImage {
    /// A lamp to one side: 1.3x light left of `from`, falling to 0.25x right of `to` (across the face).
    func sideLit(from: Int, to: Int) -> AnalysisImage {
        var out = pixels
        let gains = (0..<width).map { 1.3 - 1.05 * min(1, max(0, Double($0 - from) / Double(to - from))) }
        out.withUnsafeMutableBufferPointer { buffer in
            for y in 0..<height {
                for x in 0..<width { buffer[y * width + x] = UInt8(clamping: Int((Double(buffer[y * width + x]) * gains[x]).rounded())) }
            }
        }
        return AnalysisImage(width: width, height: height, format: format, pixels: out, time: time)
    }
}

/// The Wilson score interval for k successes in n trials at 95%: honest for small n and p near 1.
func wilson(_ k: Int, _ n: Int) -> (low: Double, high: Double) {
    guard n > 0 else { return (0, 1) }
    let z = 1.959964, p = Double(k) / Double(n), nn = Double(n)
    let centre = (p + z * z / (2 * nn)) / (1 + z * z / nn)
    let half = z * (p * (1 - p) / nn + z * z / (4 * nn * nn)).squareRoot() / (1 + z * z / nn)
    return (max(0, centre - half), min(1, centre + half))
}
