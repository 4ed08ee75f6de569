internal import CFFmpeg
import ProctorModel

/// A libswscale context converting frames of one input geometry to one output geometry.
/// Rebuilt by its owner when the input changes (a camera reconnected at another size).
final class Scaler {
    let source: (width: Int32, height: Int32, format: Int32)
    let target: (width: Int32, height: Int32, format: AVPixelFormat)
    private let context: OpaquePointer

    /// Bilinear (the default) is plenty for a webcam at 640x480 and keeps the per-frame cost
    /// low; stills ask for accurate rounding and full chroma instead.
    init(from source: (width: Int32, height: Int32, format: Int32),
         to target: (width: Int32, height: Int32, format: AVPixelFormat), flags: Int32 = Int32(SWS_BILINEAR)) throws(ProctorError) {
        guard let context = sws_getContext(source.width, source.height, AVPixelFormat(source.format),
                                           target.width, target.height, target.format,
                                           flags, nil, nil, nil) else {
            throw ProctorError(.unsupported, "cannot convert \(source.width)x\(source.height) pixel format \(source.format) for encoding")
        }
        self.source = source
        self.target = target
        self.context = context
    }

    deinit { sws_freeContext(context) }

    func matches(_ frame: Frame) -> Bool {
        frame.width == source.width && frame.height == source.height && frame.format == source.format
    }

    /// Scales into `output`, whose buffers must already be allocated for `target`.
    func scale(_ input: Frame, into output: Frame) throws(ProctorError) {
        let input = input.pointer, output = output.pointer
        let rows = withUnsafePointer(to: &input.pointee.data) { data in
            withUnsafePointer(to: &input.pointee.linesize) { linesize in
                withUnsafePointer(to: &output.pointee.data) { outData in
                    withUnsafePointer(to: &output.pointee.linesize) { outLinesize in
                        sws_scale(context,
                                  UnsafeRawPointer(data).assumingMemoryBound(to: UnsafePointer<UInt8>?.self),
                                  UnsafeRawPointer(linesize).assumingMemoryBound(to: Int32.self),
                                  0, input.pointee.height,
                                  UnsafeRawPointer(outData).assumingMemoryBound(to: UnsafeMutablePointer<UInt8>?.self),
                                  UnsafeRawPointer(outLinesize).assumingMemoryBound(to: Int32.self))
                    }
                }
            }
        }
        try check(rows, "sws_scale")
    }

    /// Scales into a tightly packed byte array (for analysis images).
    func scalePacked(_ input: Frame, bytesPerPixel: Int) -> [UInt8] {
        let width = Int(target.width), height = Int(target.height)
        var pixels = [UInt8](repeating: 0, count: width * height * bytesPerPixel)
        let frame = input.pointer
        pixels.withUnsafeMutableBufferPointer { buffer in
            var outData: [UnsafeMutablePointer<UInt8>?] = [buffer.baseAddress, nil, nil, nil]
            var outLinesize: [Int32] = [Int32(width * bytesPerPixel), 0, 0, 0]
            withUnsafePointer(to: &frame.pointee.data) { data in
                withUnsafePointer(to: &frame.pointee.linesize) { linesize in
                    _ = sws_scale(context,
                                  UnsafeRawPointer(data).assumingMemoryBound(to: UnsafePointer<UInt8>?.self),
                                  UnsafeRawPointer(linesize).assumingMemoryBound(to: Int32.self),
                                  0, frame.pointee.height, &outData, &outLinesize)
                }
            }
        }
        return pixels
    }

    /// Converts raw planes: packed pixel buffers or frames of any layout.
    func scale(_ sourcePlanes: [UnsafePointer<UInt8>?], _ sourceStrides: [Int32], height: Int32,
               _ destinationPlanes: [UnsafeMutablePointer<UInt8>?], _ destinationStrides: [Int32]) throws(ProctorError) {
        let rows = sws_scale(context, sourcePlanes, sourceStrides, 0, height, destinationPlanes, destinationStrides)
        guard rows > 0 else { throw ProctorError(.library, "libswscale converted no rows", detail: "sws_scale returned \(rows)") }
    }
}
