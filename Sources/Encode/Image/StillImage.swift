internal import CFFmpeg
import ProctorModel

/// Still pictures: the ID and face photos, evidence frames in reports, and fixture images in
/// tests. JPEG and PNG are decoded and JPEG encoded with libavcodec's own codecs, so there is
/// no second image library to trust or ship.
public enum StillImage {
    /// Decodes a JPEG or PNG into packed pixels of the requested format.
    public static func decode(_ bytes: [UInt8], as format: AnalysisImage.PixelFormat = .rgb24,
                              time: Double = 0) throws(ProctorError) -> AnalysisImage {
        let codecID: AVCodecID
        if bytes.starts(with: [0xFF, 0xD8]) {
            codecID = AV_CODEC_ID_MJPEG
        } else if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) {
            codecID = AV_CODEC_ID_PNG
        } else {
            throw ProctorError(.badData, "the image is neither JPEG nor PNG")
        }
        let decoder = try CodecContext.decoder(id: codecID)
        let packet = try Packet(copying: bytes)
        try check(avcodec_send_packet(decoder.pointer, packet.pointer), "avcodec_send_packet", as: .badData, "the image is damaged")
        try check(avcodec_send_packet(decoder.pointer, nil), "avcodec_send_packet", "the image decoder did not flush")
        let frame = Frame()
        guard case .ok = try check(avcodec_receive_frame(decoder.pointer, frame.pointer), "avcodec_receive_frame",
                                   as: .badData, "the image is damaged") else {
            throw ProctorError(.badData, "the image is damaged: it holds no picture")
        }
        return try convert(frame.pointer, to: format, width: Int(frame.width), height: Int(frame.height), time: time)
    }

    /// Encodes a picture as a baseline JPEG. `quality` runs from 1 (smallest) to 100 (best).
    public static func encodeJPEG(_ image: AnalysisImage, quality: Int = 85) throws(ProctorError) -> [UInt8] {
        // The MJPEG encoder wants an even size for 4:2:0 chroma.
        let width = image.width & ~1, height = image.height & ~1
        guard width > 0, height > 0 else { throw ProctorError(.usage, "an image must be at least 2x2 pixels to encode") }
        // JPEG quantiser scale 2 (best) ... 31 (worst), in lambda units.
        let quantiser = Int32(2 + (100 - min(max(quality, 1), 100)) * 29 / 99) * FF_QP2LAMBDA
        let encoder = try CodecContext.encoder(id: AV_CODEC_ID_MJPEG) { context in
            context.pointee.width = Int32(width)
            context.pointee.height = Int32(height)
            context.pointee.pix_fmt = AV_PIX_FMT_YUVJ420P
            context.pointee.time_base = AVRational(num: 1, den: 25)
            context.pointee.flags |= Int32(AV_CODEC_FLAG_QSCALE)
            context.pointee.global_quality = quantiser
        }

        let frame = Frame()
        frame.pointer.pointee.width = Int32(width)
        frame.pointer.pointee.height = Int32(height)
        frame.pointer.pointee.format = AV_PIX_FMT_YUVJ420P.rawValue
        frame.pointer.pointee.quality = quantiser
        frame.pointer.pointee.pts = 0
        try check(av_frame_get_buffer(frame.pointer, 0), "av_frame_get_buffer", "out of memory for a JPEG frame")
        try scale(packed: image, intoFrame: frame.pointer)

        try check(avcodec_send_frame(encoder.pointer, frame.pointer), "avcodec_send_frame", "the JPEG encoder refused the frame")
        try check(avcodec_send_frame(encoder.pointer, nil), "avcodec_send_frame", "the JPEG encoder did not flush")
        let packet = Packet()
        guard case .ok = try check(avcodec_receive_packet(encoder.pointer, packet.pointer), "avcodec_receive_packet") else {
            throw ProctorError(.library, "the JPEG encoder produced nothing")
        }
        return Array(UnsafeBufferPointer(start: packet.pointer.pointee.data, count: Int(packet.pointer.pointee.size)))
    }

    /// Scales to exactly `width` x `height` (aspect not kept) and/or changes the pixel format.
    public static func resized(_ image: AnalysisImage, width: Int, height: Int,
                               format: AnalysisImage.PixelFormat? = nil) throws(ProctorError) -> AnalysisImage {
        let target = format ?? image.format
        var pixels = [UInt8](repeating: 0, count: width * height * target.bytesPerPixel)
        try scalePacked(image, into: &pixels, width: width, height: height, format: target)
        return AnalysisImage(width: width, height: height, format: target, pixels: pixels, time: image.time)
    }

    /// Fits the picture inside `width` x `height` keeping its aspect ratio and pads the rest
    /// with black. Detectors use this so that faces are never stretched out of shape.
    public static func letterboxed(_ image: AnalysisImage, width: Int, height: Int,
                                   format: AnalysisImage.PixelFormat? = nil) throws(ProctorError) -> AnalysisImage {
        let target = format ?? image.format
        let scale = min(Double(width) / Double(image.width), Double(height) / Double(image.height))
        let innerWidth = max(2, Int((Double(image.width) * scale).rounded()) & ~1)
        let innerHeight = max(2, Int((Double(image.height) * scale).rounded()) & ~1)
        let inner = try resized(image, width: min(innerWidth, width), height: min(innerHeight, height), format: target)
        let bpp = target.bytesPerPixel
        var pixels = [UInt8](repeating: 0, count: width * height * bpp)
        let left = (width - inner.width) / 2, top = (height - inner.height) / 2
        let rowBytes = inner.width * bpp
        for row in 0..<inner.height {
            let source = row * rowBytes
            let destination = ((top + row) * width + left) * bpp
            pixels.replaceSubrange(destination..<destination + rowBytes, with: inner.pixels[source..<source + rowBytes])
        }
        return AnalysisImage(width: width, height: height, format: target, pixels: pixels, time: image.time)
    }

    // MARK: - Pixel conversion through libswscale

    static func avPixelFormat(_ format: AnalysisImage.PixelFormat) -> AVPixelFormat {
        format == .gray8 ? AV_PIX_FMT_GRAY8 : AV_PIX_FMT_RGB24
    }

    /// Stills are looked at by people (and dlib): accurate rounding and full chroma.
    private static let stillQuality = Int32(SWS_BILINEAR | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT)

    private static func scaler(_ width: Int, _ height: Int, _ format: AVPixelFormat,
                               to target: (Int, Int, AVPixelFormat)) throws(ProctorError) -> Scaler {
        try Scaler(from: (Int32(width), Int32(height), format.rawValue),
                   to: (Int32(target.0), Int32(target.1), target.2), flags: stillQuality)
    }

    /// Converts a decoded frame of any size and format into a packed AnalysisImage.
    static func convert(_ frame: UnsafeMutablePointer<AVFrame>, to format: AnalysisImage.PixelFormat,
                        width: Int, height: Int, time: Double) throws(ProctorError) -> AnalysisImage {
        let scaler = try scaler(Int(frame.pointee.width), Int(frame.pointee.height), AVPixelFormat(rawValue: frame.pointee.format),
                                to: (width, height, avPixelFormat(format)))
        var pixels = [UInt8](repeating: 0, count: width * height * format.bytesPerPixel)
        let sourcePlanes: [UnsafePointer<UInt8>?] = (0..<4).map { UnsafePointer(planeData(frame, $0)) }
        let sourceStrides: [Int32] = (0..<4).map { planeLineSize(frame, $0) }
        let lineSize = Int32(width * format.bytesPerPixel)
        try pixels.withUnsafeMutableBufferPointer { (buffer: inout UnsafeMutableBufferPointer<UInt8>) throws(ProctorError) in
            try scaler.scale(sourcePlanes, sourceStrides, height: frame.pointee.height,
                             [buffer.baseAddress, nil, nil, nil], [lineSize, 0, 0, 0])
        }
        return AnalysisImage(width: width, height: height, format: format, pixels: pixels, time: time)
    }

    private static func scalePacked(_ image: AnalysisImage, into pixels: inout [UInt8], width: Int, height: Int,
                                    format: AnalysisImage.PixelFormat) throws(ProctorError) {
        let scaler = try scaler(image.width, image.height, avPixelFormat(image.format), to: (width, height, avPixelFormat(format)))
        let sourceStrides: [Int32] = [Int32(image.width * image.format.bytesPerPixel), 0, 0, 0]
        let strides: [Int32] = [Int32(width * format.bytesPerPixel), 0, 0, 0]
        try image.pixels.withUnsafeBufferPointer { (source: UnsafeBufferPointer<UInt8>) throws(ProctorError) in
            try pixels.withUnsafeMutableBufferPointer { (buffer: inout UnsafeMutableBufferPointer<UInt8>) throws(ProctorError) in
                try scaler.scale([source.baseAddress, nil, nil, nil], sourceStrides, height: Int32(image.height),
                                 [buffer.baseAddress, nil, nil, nil], strides)
            }
        }
    }

    private static func scale(packed image: AnalysisImage, intoFrame frame: UnsafeMutablePointer<AVFrame>) throws(ProctorError) {
        let scaler = try scaler(image.width, image.height, avPixelFormat(image.format),
                                to: (Int(frame.pointee.width), Int(frame.pointee.height), AVPixelFormat(rawValue: frame.pointee.format)))
        let sourceStrides: [Int32] = [Int32(image.width * image.format.bytesPerPixel), 0, 0, 0]
        let destination: [UnsafeMutablePointer<UInt8>?] = (0..<4).map { planeData(frame, $0) }
        let strides: [Int32] = (0..<4).map { planeLineSize(frame, $0) }
        try image.pixels.withUnsafeBufferPointer { (source: UnsafeBufferPointer<UInt8>) throws(ProctorError) in
            try scaler.scale([source.baseAddress, nil, nil, nil], sourceStrides, height: Int32(image.height), destination, strides)
        }
    }
}
