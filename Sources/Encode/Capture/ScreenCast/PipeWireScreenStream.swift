internal import CFFmpeg
internal import CScreenCast
import ProctorModel

/// One monitor's PipeWire video stream (shared memory, raw RGB). PipeWire's own thread receives
/// the pictures and keeps the newest; `newest(after:)` copies it into an AVFrame, so the copy
/// rate is the recording's screen rate, not the compositor's.
final class PipeWireScreenStream {
    private let handle: OpaquePointer
    /// Sequence number of the last picture copied out.
    private(set) var copied: UInt64 = 0

    init(descriptor: Int32, node: UInt32) throws(ProctorError) {
        var message = [CChar](repeating: 0, count: 512)
        guard let handle = proctor_screen_stream_open(descriptor, node, &message, message.count) else {
            throw ProctorError(.deviceUnavailable, "the shared screen cannot be received: \(Self.text(message))")
        }
        self.handle = handle
    }

    deinit { proctor_screen_stream_close(handle) }

    /// A copy of the newest picture if one arrived since the last copy, waiting up to `timeout`
    /// seconds for it; nil when none came. Throws `.deviceUnavailable` when the stream failed
    /// or the desktop stopped sharing.
    func newest(waiting timeout: Double) throws(ProctorError) -> Frame? {
        var picture = proctor_screen_picture()
        var message = [CChar](repeating: 0, count: 256)
        let result = proctor_screen_stream_wait(handle, copied, Int32(max(0, timeout) * 1000), &picture, &message, message.count)
        if result < 0 { throw ProctorError(.deviceUnavailable, Self.text(message)) }
        guard result == 1 else { return nil }
        defer { proctor_screen_stream_unlock(handle) }
        copied = picture.sequence
        return try Self.frame(copying: picture)
    }

    private static func frame(copying picture: proctor_screen_picture) throws(ProctorError) -> Frame {
        guard let (format, bytesPerPixel) = pixelFormat(picture.pixels) else {
            throw ProctorError(.unsupported, "the desktop sent a screen pixel format proctor cannot convert")
        }
        let frame = Frame()
        frame.pointer.pointee.width = picture.width
        frame.pointer.pointee.height = picture.height
        frame.pointer.pointee.format = format.rawValue
        try check(av_frame_get_buffer(frame.pointer, 0), "av_frame_get_buffer", as: .library, "out of memory for a \(picture.width)x\(picture.height) screen picture")
        av_image_copy_plane(planeData(frame.pointer, 0), planeLineSize(frame.pointer, 0), picture.data, picture.stride,
                            picture.width * bytesPerPixel, picture.height)
        return frame
    }

    /// PipeWire names packed formats by byte order in memory, as FFmpeg's *0 / A* formats do.
    static func pixelFormat(_ pixels: proctor_pixels) -> (AVPixelFormat, Int32)? {
        switch pixels {
        case PROCTOR_PIXELS_BGRX: (AV_PIX_FMT_BGR0, 4)
        case PROCTOR_PIXELS_RGBX: (AV_PIX_FMT_RGB0, 4)
        case PROCTOR_PIXELS_XBGR: (AV_PIX_FMT_0BGR, 4)
        case PROCTOR_PIXELS_XRGB: (AV_PIX_FMT_0RGB, 4)
        case PROCTOR_PIXELS_BGRA: (AV_PIX_FMT_BGRA, 4)
        case PROCTOR_PIXELS_RGBA: (AV_PIX_FMT_RGBA, 4)
        case PROCTOR_PIXELS_ABGR: (AV_PIX_FMT_ABGR, 4)
        case PROCTOR_PIXELS_ARGB: (AV_PIX_FMT_ARGB, 4)
        case PROCTOR_PIXELS_RGB: (AV_PIX_FMT_RGB24, 3)
        case PROCTOR_PIXELS_BGR: (AV_PIX_FMT_BGR24, 3)
        default: nil
        }
    }

    private static func text(_ message: [CChar]) -> String {
        String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
