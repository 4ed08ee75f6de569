import ProctorModel


/// Luma of an analysis frame and a small blurred thumbnail of it, computed in Swift: the
/// frames are already small plain arrays here, and the measures the camera checks need
/// (blackdetect's black-pixel share, freezedetect's mean absolute frame difference, a
/// scene-cut score like scdet's) are a few lines each, so a libavfilter graph per sample
/// would add copies and C round trips for nothing.
struct GrayFrame {
    let width: Int
    let height: Int
    let luma: [UInt8]

    init(_ image: AnalysisImage) {
        width = image.width
        height = image.height
        switch image.format {
        case .gray8:
            luma = image.pixels
        case .rgb24:
            // Full-range BT.601 luma in fixed point (the weights sum to 256).
            let count = image.width * image.height
            var out = [UInt8](repeating: 0, count: count)
            image.pixels.withUnsafeBufferPointer { rgb in
                for i in 0..<count {
                    let r = Int(rgb[3 * i]), g = Int(rgb[3 * i + 1]), b = Int(rgb[3 * i + 2])
                    out[i] = UInt8((77 * r + 150 * g + 29 * b + 128) >> 8)
                }
            }
            luma = out
        }
    }

    var image: AnalysisImage {
        AnalysisImage(width: width, height: height, format: .gray8, pixels: luma, time: 0)
    }

    /// Mean absolute difference per pixel, 0...255 (freezedetect's MAFD); nil if sizes differ.
    func meanAbsoluteDifference(_ other: GrayFrame) -> Double? {
        guard other.width == width, other.height == height, !luma.isEmpty else { return nil }
        var total = 0
        luma.withUnsafeBufferPointer { a in
            other.luma.withUnsafeBufferPointer { b in
                for i in 0..<a.count { total += abs(Int(a[i]) - Int(b[i])) }
            }
        }
        return Double(total) / Double(luma.count)
    }

    /// A 32x24 box-averaged thumbnail, brightness- and contrast-normalised (zero mean, unit
    /// spread) so switching a lamp on is not a scene change but moving the camera is.
    func signature() -> [Double]? {
        let columns = 32, rows = 24
        var sums = [Int](repeating: 0, count: columns * rows)
        var counts = [Int](repeating: 0, count: columns * rows)
        let cellOfColumn = (0..<width).map { $0 * columns / width }
        luma.withUnsafeBufferPointer { pixels in
            sums.withUnsafeMutableBufferPointer { sums in
                counts.withUnsafeMutableBufferPointer { counts in
                    for y in 0..<height {
                        let rowCell = (y * rows / height) * columns, rowStart = y * width
                        for x in 0..<width {
                            sums[rowCell + cellOfColumn[x]] += Int(pixels[rowStart + x])
                            counts[rowCell + cellOfColumn[x]] += 1
                        }
                    }
                }
            }
        }
        let cells = (0..<sums.count).map { Double(sums[$0]) / Double(max(1, counts[$0])) }
        let mean = cells.reduce(0, +) / Double(cells.count)
        let spread = (cells.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(cells.count)).squareRoot()
        // A flat thumbnail (black, covered) has no structure to compare.
        guard spread >= 4 else { return nil }
        return cells.map { ($0 - mean) / spread }
    }
}
