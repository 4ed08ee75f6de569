/// A small, downscaled picture handed from the capture pipeline to the detectors. It is a
/// plain Swift value (no FFmpeg types), so Detect never touches a C pointer.
public struct AnalysisImage: Sendable {
    public enum PixelFormat: Sendable {
        /// One byte of luma per pixel (BT.601 Y).
        case gray8
        /// Three bytes per pixel, R G B.
        case rgb24

        public var bytesPerPixel: Int { self == .gray8 ? 1 : 3 }
    }

    public let width: Int
    public let height: Int
    public let format: PixelFormat
    /// Tightly packed rows: `width * format.bytesPerPixel` bytes each, no padding.
    public let pixels: [UInt8]
    /// Media time in seconds since the session clock started.
    public let time: Double
    /// Which recorded source the picture shows. The camera detectors see only `.camera`
    /// pictures and the screen detector only `.screen` ones (`Detector.imageSource`); the
    /// default keeps every camera caller (stills, test scenes, benchmarks) unchanged.
    public let source: SourceRole

    public init(width: Int, height: Int, format: PixelFormat, pixels: [UInt8], time: Double, source: SourceRole = .camera) {
        precondition(pixels.count == width * height * format.bytesPerPixel, "pixel buffer does not match its size")
        self.width = width
        self.height = height
        self.format = format
        self.pixels = pixels
        self.time = time
        self.source = source
    }
}

/// A block of microphone samples for the audio detectors: mono, signed 16-bit.
public struct AudioBlock: Sendable {
    public let sampleRate: Int
    public let samples: [Int16]
    /// Media time in seconds of the first sample since the session clock started.
    public let time: Double

    public init(sampleRate: Int, samples: [Int16], time: Double) {
        self.sampleRate = sampleRate
        self.samples = samples
        self.time = time
    }

    public var duration: Double { Double(samples.count) / Double(sampleRate) }
}
