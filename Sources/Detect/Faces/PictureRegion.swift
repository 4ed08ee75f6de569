import ProctorModel

/// Where the face was last seen, and what the picture shows there now. "Could a face be seen?"
/// is asked of that region rather than of the whole frame: a backlit face is dark while the
/// window behind it makes the frame bright (docs/detectors.md, "When no face is believed").
public struct PictureRegion: Sendable, Equatable {
    public var left, top, right, bottom: Int

    /// The last face box grown by a tenth each way (a head that moved a little since), clipped
    /// to the picture. Not more: around a backlit face is the bright window that hides it.
    public init(around face: FaceBox, width: Int, height: Int, grownBy share: Double = 0.1) {
        let growX = face.width * share, growY = (face.bottom - face.top) * share
        left = max(0, Int(face.left - growX))
        top = max(0, Int(face.top - growY))
        right = min(width, Int(face.right + growX))
        bottom = min(height, Int(face.bottom + growY))
    }

    var isEmpty: Bool { right - left < 8 || bottom - top < 8 }
}

extension PictureQuality {
    /// The same measures over one region of a gray8 picture.
    public init(_ image: AnalysisImage, region: PictureRegion) {
        self.init(Self.pixels(of: image, in: region))
    }

    /// The region of a gray8 picture as a picture of its own.
    static func pixels(of image: AnalysisImage, in region: PictureRegion) -> AnalysisImage {
        precondition(image.format == .gray8, "regions are cut from gray8 pictures")
        var pixels: [UInt8] = []
        pixels.reserveCapacity((region.right - region.left) * (region.bottom - region.top))
        image.pixels.withUnsafeBufferPointer { all in
            for row in region.top..<region.bottom {
                pixels.append(contentsOf: all[(row * image.width + region.left)..<(row * image.width + region.right)])
            }
        }
        return AnalysisImage(width: region.right - region.left, height: region.bottom - region.top, format: .gray8,
                             pixels: pixels, time: image.time)
    }

    /// Detail once sensor noise is averaged away: the 95th percentile of the differences
    /// between neighbouring 8x8-block means. A plain wall, even with the light falling off
    /// towards the floor, measures about 1; the fixture portraits washed out to 6% of their
    /// contrast (FairnessTests' "flat x0.06") 3.7 to 5.5, at 10% 6 to 9.
    public static func detail(_ image: AnalysisImage) -> Double {
        precondition(image.format == .gray8, "detail is measured on gray8 pictures")
        let columns = image.width / 8, rows = image.height / 8
        guard columns > 1, rows > 1 else { return 0 }
        var means = [Int](repeating: 0, count: columns * rows)
        image.pixels.withUnsafeBufferPointer { pixels in
            for y in 0..<(rows * 8) {
                let start = y * image.width, rowBase = (y / 8) * columns
                for x in 0..<(columns * 8) { means[rowBase + x / 8] += Int(pixels[start + x]) }
            }
        }
        var steps: [Int] = []
        steps.reserveCapacity(2 * columns * rows)
        for row in 0..<rows {
            for column in 0..<columns {
                let here = means[row * columns + column]
                if column + 1 < columns { steps.append(abs(means[row * columns + column + 1] - here)) }
                if row + 1 < rows { steps.append(abs(means[(row + 1) * columns + column] - here)) }
            }
        }
        steps.sort()
        // Sums of 64 pixels: divide back to levels.
        return Double(steps[(steps.count * 19) / 20]) / 64
    }
}
