import Foundation

/// Momentary loudness (ITU-R BS.1770 / EBU R128: K-weighted mean square over 400 ms, in LUFS),
/// the measure libavfilter's ebur128 prints as "M". Computed here on the mono Int16 blocks the
/// detectors already receive, updated every 100 ms.
struct MomentaryLoudness {
    private struct Biquad {
        var b0, b1, b2, a1, a2: Double
        var z1 = 0.0, z2 = 0.0
        mutating func run(_ x: Double) -> Double {
            let y = b0 * x + z1
            z1 = b1 * x - a1 * y + z2
            z2 = b2 * x - a2 * y
            return y
        }
    }

    let sampleRate: Int
    private var shelf: Biquad
    private var highPass: Biquad
    private var blockSquares = 0.0
    private var blockCount = 0
    private var recent: [Double] = []
    private let blockLength: Int

    init(sampleRate: Int) {
        self.sampleRate = sampleRate
        blockLength = max(1, sampleRate / 10)
        // BS.1770's two pre-filters, derived for any rate from their analogue prototypes
        // (high-shelf +4 dB around 1.7 kHz, then a 38 Hz high-pass), as libebur128 does.
        let rate = Double(sampleRate)
        var f0 = 1681.974450955533, q = 0.7071752369554196
        let gain = 3.999843853973347
        var k = tan(Double.pi * f0 / rate)
        let vh = pow(10, gain / 20), vb = pow(vh, 0.4996667741545416)
        var a0 = 1 + k / q + k * k
        shelf = Biquad(b0: (vh + vb * k / q + k * k) / a0, b1: 2 * (k * k - vh) / a0, b2: (vh - vb * k / q + k * k) / a0,
                       a1: 2 * (k * k - 1) / a0, a2: (1 - k / q + k * k) / a0)
        f0 = 38.13547087602444
        q = 0.5003270373238773
        k = tan(Double.pi * f0 / rate)
        a0 = 1 + k / q + k * k
        highPass = Biquad(b0: 1, b1: -2, b2: 1, a1: 2 * (k * k - 1) / a0, a2: (1 - k / q + k * k) / a0)
    }

    /// Feeds samples; calls `emit(sampleOffset, lufs)` each time a 100 ms step completes a
    /// 400 ms window (offset of the sample that completed it).
    mutating func feed(_ samples: [Int16], emit: (Int, Double) -> Void) {
        for (offset, sample) in samples.enumerated() {
            let filtered = highPass.run(shelf.run(Double(sample) / 32768))
            blockSquares += filtered * filtered
            blockCount += 1
            if blockCount == blockLength {
                recent.append(blockSquares / Double(blockCount))
                if recent.count > 4 { recent.removeFirst() }
                blockSquares = 0
                blockCount = 0
                if recent.count == 4 {
                    let meanSquare = recent.reduce(0, +) / 4
                    emit(offset, meanSquare > 0 ? -0.691 + 10 * log10(meanSquare) : -120)
                }
            }
        }
    }
}
