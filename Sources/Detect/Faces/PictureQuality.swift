import ProctorModel


/// How well a gray picture can show a face: overall brightness and spread of tones. Measured
/// on every face sample so that "no face" is only believed where a face could have been seen.
public struct PictureQuality: Sendable, Equatable {
    /// Mean luma, 0...255.
    public var meanLuma: Double
    /// Tonal range that holds the middle 90% of pixels (5th to 95th percentile), 0...255.
    public var contrast: Double
    /// Share of pixels at or below `blackLevel` (libavfilter blackdetect's pixel threshold).
    public var blackShare: Double

    /// 0.10 of the range, blackdetect's default `pixel_black_th`.
    public static let blackLevel: UInt8 = 25

    public init(meanLuma: Double, contrast: Double, blackShare: Double) {
        self.meanLuma = meanLuma
        self.contrast = contrast
        self.blackShare = blackShare
    }

    public init(_ image: AnalysisImage) {
        precondition(image.format == .gray8, "PictureQuality measures gray8 pictures")
        let histogram = Self.histogram(image.pixels)
        let count = max(1, image.pixels.count)
        var sum = 0, running = 0
        var low = 0, high = 255
        var foundLow = false, foundHigh = false
        for level in 0..<256 {
            sum += level * histogram[level]
            running += histogram[level]
            if !foundLow, running * 20 > count { low = level; foundLow = true }
            if !foundHigh, running * 20 >= count * 19 { high = level; foundHigh = true }
        }
        let black = histogram[0...Int(Self.blackLevel)].reduce(0, +)
        meanLuma = Double(sum) / Double(count)
        contrast = Double(high - low)
        blackShare = Double(black) / Double(count)
    }

    static func histogram(_ pixels: [UInt8]) -> [Int] {
        var histogram = [Int](repeating: 0, count: 256)
        histogram.withUnsafeMutableBufferPointer { counts in
            pixels.withUnsafeBufferPointer { values in
                for value in values { counts[Int(value)] += 1 }
            }
        }
        return histogram
    }

    /// Classic histogram equalisation: spreads the tones a dim or flat picture uses over the
    /// whole range, so HOG gradients of a poorly lit face get a second chance.
    public static func equalised(_ image: AnalysisImage) -> AnalysisImage {
        let histogram = histogram(image.pixels)
        let count = image.pixels.count
        let firstNonZero = histogram.first { $0 > 0 } ?? 0
        guard count > firstNonZero else { return image }
        var map = [UInt8](repeating: 0, count: 256)
        var cumulative = 0
        for level in 0..<256 {
            cumulative += histogram[level]
            let scaled = Double(cumulative - firstNonZero) / Double(count - firstNonZero) * 255
            map[level] = UInt8(max(0, min(255, scaled.rounded())))
        }
        return AnalysisImage(width: image.width, height: image.height, format: .gray8,
                             pixels: image.pixels.map { map[Int($0)] }, time: image.time)
    }
}
