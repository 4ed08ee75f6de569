import ProctorModel

/// A separable triangle-filter resize of an analysis picture to gray, in Swift. The capture
/// feed already delivers pictures at the size the detectors ask for (`AnalysisRequest`); this
/// is only for a picture of another size (a still, a test scene), so Detect needs no FFmpeg.
/// When shrinking, the filter widens with the ratio (like swscale's bilinear), so no pixel is
/// skipped and a downscaled face keeps its edges instead of aliasing.
enum GrayResize {
    static func resized(_ image: AnalysisImage, width: Int, height: Int) -> AnalysisImage {
        let gray = GrayFrame(image)
        if gray.width == width, gray.height == height {
            return AnalysisImage(width: width, height: height, format: .gray8, pixels: gray.luma, time: image.time)
        }
        let columns = taps(from: gray.width, to: width)
        let rows = taps(from: gray.height, to: height)
        // Horizontal pass into floats, then vertical pass into bytes.
        var horizontal = [Float](repeating: 0, count: width * gray.height)
        gray.luma.withUnsafeBufferPointer { source in
            for y in 0..<gray.height {
                let row = y * gray.width
                for x in 0..<width {
                    var sum: Float = 0
                    for (index, weight) in columns[x] { sum += weight * Float(source[row + index]) }
                    horizontal[y * width + x] = sum
                }
            }
        }
        var pixels = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                var sum: Float = 0
                for (index, weight) in rows[y] { sum += weight * horizontal[index * width + x] }
                pixels[y * width + x] = UInt8(max(0, min(255, sum.rounded())))
            }
        }
        return AnalysisImage(width: width, height: height, format: .gray8, pixels: pixels, time: image.time)
    }

    /// For each output position, the source indices and normalised weights that make it.
    private static func taps(from source: Int, to target: Int) -> [[(Int, Float)]] {
        let ratio = Double(source) / Double(target)
        let support = max(1, ratio)
        return (0..<target).map { position in
            let centre = (Double(position) + 0.5) * ratio - 0.5
            let first = Int((centre - support).rounded(.up)), last = Int((centre + support).rounded(.down))
            var taps: [(Int, Float)] = []
            var total = 0.0
            for index in first...max(first, last) {
                let weight = max(0, 1 - abs(Double(index) - centre) / support)
                guard weight > 0 else { continue }
                taps.append((min(max(index, 0), source - 1), Float(weight)))
                total += weight
            }
            if taps.isEmpty { return [(min(max(Int(centre.rounded()), 0), source - 1), 1)] }
            return taps.map { ($0.0, Float(Double($0.1) / total)) }
        }
    }
}
