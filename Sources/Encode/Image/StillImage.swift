internal import CFFmpeg

/// Still pictures: the ID and face photos, evidence frames in reports, and fixture images in
/// tests. JPEG and PNG are decoded and JPEG encoded with libavcodec's own codecs, so there is
/// no second image library to trust or ship.
public enum StillImage {
    /// Decodes a JPEG or PNG into packed pixels of the requested format.
    public static func decode(_ bytes: [UInt8], as format: AnalysisImage.PixelFormat = .rgb24,
                              time: Double = 0) throws(EncodeError) -> AnalysisImage {
        let codecID: AVCodecID
        if bytes.starts(with: [0xFF, 0xD8]) {
            codecID = AV_CODEC_ID_MJPEG
        } else if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) {
            codecID = AV_CODEC_ID_PNG
        } else {
            throw EncodeError(.badData, "the image is neither JPEG nor PNG")
        }
        let codec = try Codec(decoder: codecID)
        try FFmpegCall.check(avcodec_open2(codec.context, codec.codec, nil), "avcodec_open2", "could not open the image decoder")
        let packet = try Packet(copying: bytes)
        try FFmpegCall.check(avcodec_send_packet(codec.context, packet.pointer), "avcodec_send_packet", "the image is damaged")
        try FFmpegCall.check(avcodec_send_packet(codec.context, nil), "avcodec_send_packet", "the image decoder did not flush")
        let frame = try Frame()
        try FFmpegCall.check(avcodec_receive_frame(codec.context, frame.pointer), "avcodec_receive_frame", "the image is damaged")
        return try convert(frame.pointer, to: format, width: Int(frame.pointer.pointee.width),
                           height: Int(frame.pointer.pointee.height), time: time)
    }

    /// Encodes a picture as a baseline JPEG. `quality` runs from 1 (smallest) to 100 (best).
    public static func encodeJPEG(_ image: AnalysisImage, quality: Int = 85) throws(EncodeError) -> [UInt8] {
        let codec = try Codec(encoder: AV_CODEC_ID_MJPEG)
        let context = codec.context
        // The MJPEG encoder wants an even size for 4:2:0 chroma.
        let width = image.width & ~1, height = image.height & ~1
        guard width > 0, height > 0 else { throw EncodeError(.usage, "an image must be at least 2x2 pixels to encode") }
        context.pointee.width = Int32(width)
        context.pointee.height = Int32(height)
        context.pointee.pix_fmt = AV_PIX_FMT_YUVJ420P
        context.pointee.time_base = AVRational(num: 1, den: 25)
        context.pointee.flags |= Int32(AV_CODEC_FLAG_QSCALE)
        // JPEG quantiser scale 2 (best) ... 31 (worst), in lambda units.
        let quantiser = 2 + (100 - min(max(quality, 1), 100)) * 29 / 99
        context.pointee.global_quality = Int32(quantiser) * FF_QP2LAMBDA
        try FFmpegCall.check(avcodec_open2(context, codec.codec, nil), "avcodec_open2", "could not open the JPEG encoder")

        let frame = try Frame()
        frame.pointer.pointee.width = Int32(width)
        frame.pointer.pointee.height = Int32(height)
        frame.pointer.pointee.format = AV_PIX_FMT_YUVJ420P.rawValue
        frame.pointer.pointee.quality = context.pointee.global_quality
        frame.pointer.pointee.pts = 0
        try FFmpegCall.check(av_frame_get_buffer(frame.pointer, 0), "av_frame_get_buffer", "out of memory for a JPEG frame")
        try scale(packed: image, intoFrame: frame.pointer)

        try FFmpegCall.check(avcodec_send_frame(context, frame.pointer), "avcodec_send_frame", "the JPEG encoder refused the frame")
        try FFmpegCall.check(avcodec_send_frame(context, nil), "avcodec_send_frame", "the JPEG encoder did not flush")
        let packet = try Packet()
        try FFmpegCall.check(avcodec_receive_packet(context, packet.pointer), "avcodec_receive_packet", "the JPEG encoder produced nothing")
        return Array(UnsafeBufferPointer(start: packet.pointer.pointee.data, count: Int(packet.pointer.pointee.size)))
    }

    /// Scales to exactly `width` x `height` (aspect not kept) and/or changes the pixel format.
    public static func resized(_ image: AnalysisImage, width: Int, height: Int,
                               format: AnalysisImage.PixelFormat? = nil) throws(EncodeError) -> AnalysisImage {
        let target = format ?? image.format
        var pixels = [UInt8](repeating: 0, count: width * height * target.bytesPerPixel)
        try scalePacked(image, into: &pixels, width: width, height: height, format: target)
        return AnalysisImage(width: width, height: height, format: target, pixels: pixels, time: image.time)
    }

    /// Fits the picture inside `width` x `height` keeping its aspect ratio and pads the rest
    /// with black. Detectors use this so that faces are never stretched out of shape.
    public static func letterboxed(_ image: AnalysisImage, width: Int, height: Int,
                                   format: AnalysisImage.PixelFormat? = nil) throws(EncodeError) -> AnalysisImage {
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

    /// Converts a decoded frame of any size and format into a packed AnalysisImage.
    static func convert(_ frame: UnsafeMutablePointer<AVFrame>, to format: AnalysisImage.PixelFormat,
                        width: Int, height: Int, time: Double) throws(EncodeError) -> AnalysisImage {
        var pixels = [UInt8](repeating: 0, count: width * height * format.bytesPerPixel)
        let sourceFormat = AVPixelFormat(rawValue: frame.pointee.format)
        let scaler = try Scaler(from: (Int(frame.pointee.width), Int(frame.pointee.height), sourceFormat),
                                to: (width, height, avPixelFormat(format)))
        let lineSize = Int32(width * format.bytesPerPixel)
        let sourcePlanes: [UnsafePointer<UInt8>?] = (0..<4).map { UnsafePointer(frameData(frame, $0)) }
        let sourceStrides: [Int32] = (0..<4).map { frameLineSize(frame, $0) }
        let rows = pixels.withUnsafeMutableBufferPointer { buffer in
            scaler.scale(sourcePlanes, sourceStrides, height: frame.pointee.height,
                         [buffer.baseAddress, nil, nil, nil], [lineSize, 0, 0, 0])
        }
        try Scaler.check(rows)
        return AnalysisImage(width: width, height: height, format: format, pixels: pixels, time: time)
    }

    private static func scalePacked(_ image: AnalysisImage, into pixels: inout [UInt8], width: Int, height: Int,
                                    format: AnalysisImage.PixelFormat) throws(EncodeError) {
        let scaler = try Scaler(from: (image.width, image.height, avPixelFormat(image.format)),
                                to: (width, height, avPixelFormat(format)))
        let sourceStrides: [Int32] = [Int32(image.width * image.format.bytesPerPixel), 0, 0, 0]
        let strides: [Int32] = [Int32(width * format.bytesPerPixel), 0, 0, 0]
        let rows = image.pixels.withUnsafeBufferPointer { source in
            pixels.withUnsafeMutableBufferPointer { buffer in
                scaler.scale([source.baseAddress, nil, nil, nil], sourceStrides, height: Int32(image.height),
                             [buffer.baseAddress, nil, nil, nil], strides)
            }
        }
        try Scaler.check(rows)
    }

    private static func scale(packed image: AnalysisImage, intoFrame frame: UnsafeMutablePointer<AVFrame>) throws(EncodeError) {
        let scaler = try Scaler(from: (image.width, image.height, avPixelFormat(image.format)),
                                to: (Int(frame.pointee.width), Int(frame.pointee.height), AVPixelFormat(rawValue: frame.pointee.format)))
        let sourceStrides: [Int32] = [Int32(image.width * image.format.bytesPerPixel), 0, 0, 0]
        let destination: [UnsafeMutablePointer<UInt8>?] = (0..<4).map { frameData(frame, $0) }
        let strides: [Int32] = (0..<4).map { frameLineSize(frame, $0) }
        let rows = image.pixels.withUnsafeBufferPointer { source in
            scaler.scale([source.baseAddress, nil, nil, nil], sourceStrides, height: Int32(image.height), destination, strides)
        }
        try Scaler.check(rows)
    }

    /// AVFrame.data and .linesize are C arrays, imported as tuples; index them by memory.
    static func frameData(_ frame: UnsafeMutablePointer<AVFrame>, _ plane: Int) -> UnsafeMutablePointer<UInt8>? {
        withUnsafeBytes(of: frame.pointee.data) { $0.load(fromByteOffset: plane * MemoryLayout<UnsafeMutablePointer<UInt8>?>.stride, as: UnsafeMutablePointer<UInt8>?.self) }
    }

    static func frameLineSize(_ frame: UnsafeMutablePointer<AVFrame>, _ plane: Int) -> Int32 {
        withUnsafeBytes(of: frame.pointee.linesize) { $0.load(fromByteOffset: plane * MemoryLayout<Int32>.stride, as: Int32.self) }
    }
}

// MARK: - Owned FFmpeg objects used for stills

extension StillImage {
    /// A codec and its context; the context is freed with the object.
    final class Codec {
        let codec: UnsafePointer<AVCodec>
        let context: UnsafeMutablePointer<AVCodecContext>

        convenience init(decoder id: AVCodecID) throws(EncodeError) {
            guard let codec = avcodec_find_decoder(id) else {
                throw EncodeError(.unsupported, "this FFmpeg build has no \(String(cString: avcodec_get_name(id))) decoder")
            }
            try self.init(codec)
        }

        convenience init(encoder id: AVCodecID) throws(EncodeError) {
            guard let codec = avcodec_find_encoder(id) else {
                throw EncodeError(.unsupported, "this FFmpeg build has no \(String(cString: avcodec_get_name(id))) encoder")
            }
            try self.init(codec)
        }

        private init(_ codec: UnsafePointer<AVCodec>) throws(EncodeError) {
            guard let context = avcodec_alloc_context3(codec) else { throw EncodeError(.library, "out of memory for a codec") }
            self.codec = codec
            self.context = context
        }

        deinit {
            var context: UnsafeMutablePointer<AVCodecContext>? = context
            avcodec_free_context(&context)
        }
    }

    final class Frame {
        let pointer: UnsafeMutablePointer<AVFrame>

        init() throws(EncodeError) {
            guard let frame = av_frame_alloc() else { throw EncodeError(.library, "out of memory for a frame") }
            pointer = frame
        }

        deinit {
            var frame: UnsafeMutablePointer<AVFrame>? = pointer
            av_frame_free(&frame)
        }
    }

    final class Packet {
        let pointer: UnsafeMutablePointer<AVPacket>

        init() throws(EncodeError) {
            guard let packet = av_packet_alloc() else { throw EncodeError(.library, "out of memory for a packet") }
            pointer = packet
        }

        /// A packet holding a copy of `bytes` with the zeroed padding decoders read past the end.
        convenience init(copying bytes: [UInt8]) throws(EncodeError) {
            try self.init()
            try FFmpegCall.check(av_new_packet(pointer, Int32(bytes.count)), "av_new_packet", "out of memory for an image")
            bytes.withUnsafeBufferPointer { source in
                pointer.pointee.data.update(from: source.baseAddress!, count: bytes.count)
            }
        }

        deinit {
            var packet: UnsafeMutablePointer<AVPacket>? = pointer
            av_packet_free(&packet)
        }
    }

    /// A libswscale context for one fixed conversion.
    final class Scaler {
        private let context: OpaquePointer

        init(from source: (Int, Int, AVPixelFormat), to destination: (Int, Int, AVPixelFormat)) throws(EncodeError) {
            guard let context = sws_getContext(Int32(source.0), Int32(source.1), source.2,
                                               Int32(destination.0), Int32(destination.1), destination.2,
                                               SWS_BILINEAR | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, nil, nil, nil) else {
                throw EncodeError(.unsupported, "libswscale cannot convert \(source) to \(destination)")
            }
            self.context = context
        }

        /// Returns the number of rows written; 0 or less means libswscale failed.
        func scale(_ sourcePlanes: [UnsafePointer<UInt8>?], _ sourceStrides: [Int32], height: Int32,
                   _ destinationPlanes: [UnsafeMutablePointer<UInt8>?], _ destinationStrides: [Int32]) -> Int32 {
            sws_scale(context, sourcePlanes, sourceStrides, 0, height, destinationPlanes, destinationStrides)
        }

        static func check(_ rows: Int32) throws(EncodeError) {
            guard rows > 0 else { throw EncodeError(.library, "libswscale converted no rows", detail: "sws_scale returned \(rows)") }
        }

        deinit {
            sws_freeContext(context)
        }
    }
}

/// The one place FFmpeg return codes become errors carrying av_strerror's text.
enum FFmpegCall {
    static func check(_ result: Int32, _ call: String, _ message: String) throws(EncodeError) {
        guard result < 0 else { return }
        throw EncodeError(.library, message, detail: "\(call): \(errorText(result))")
    }

    static func errorText(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        av_strerror(code, &buffer, buffer.count)
        return String(cString: buffer)
    }
}
