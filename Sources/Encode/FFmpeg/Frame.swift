internal import CFFmpeg
import ProctorModel

/// One AVFrame, owned by whichever stage holds this object: capture threads hand it to the
/// pipeline thread through a queue and never touch it again.
// @unchecked: wraps a C AVFrame pointer; ownership moves with the value, it is never shared.
final class Frame: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<AVFrame>

    init() {
        guard let frame = av_frame_alloc() else { fatalError("av_frame_alloc: out of memory") }
        pointer = frame
    }

    deinit {
        var frame: UnsafeMutablePointer<AVFrame>? = pointer
        av_frame_free(&frame)
    }

    /// Takes over the buffers of `other` (no pixel copy) and leaves it empty for reuse.
    static func moving(from other: Frame) -> Frame {
        let frame = Frame()
        av_frame_move_ref(frame.pointer, other.pointer)
        return frame
    }

    func unref() { av_frame_unref(pointer) }

    /// Another reference to the same pixels (no copy): a screen picture repeated on the next tick.
    func reference() throws(ProctorError) -> Frame {
        let frame = Frame()
        try check(av_frame_ref(frame.pointer, pointer), "av_frame_ref")
        return frame
    }

    var width: Int32 { pointer.pointee.width }
    var height: Int32 { pointer.pointee.height }
    var format: Int32 { pointer.pointee.format }
}

/// One AVPacket, reused for every read or receive on the thread that owns it.
final class Packet {
    let pointer: UnsafeMutablePointer<AVPacket>

    init() {
        guard let packet = av_packet_alloc() else { fatalError("av_packet_alloc: out of memory") }
        pointer = packet
    }

    deinit {
        var packet: UnsafeMutablePointer<AVPacket>? = pointer
        av_packet_free(&packet)
    }

    func unref() { av_packet_unref(pointer) }

    /// A packet holding a copy of `bytes`, with the zeroed padding decoders read past the end.
    convenience init(copying bytes: [UInt8]) throws(ProctorError) {
        self.init()
        try check(av_new_packet(pointer, Int32(bytes.count)), "av_new_packet", "out of memory for \(bytes.count) bytes")
        bytes.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.pointee.data.update(from: base, count: bytes.count) }
        }
    }
}

/// AVFrame.data and .linesize are C arrays, imported as tuples; these index them.
func planeData(_ frame: UnsafeMutablePointer<AVFrame>, _ plane: Int) -> UnsafeMutablePointer<UInt8>? {
    withUnsafeBytes(of: frame.pointee.data) {
        $0.load(fromByteOffset: plane * MemoryLayout<UnsafeMutablePointer<UInt8>?>.stride, as: UnsafeMutablePointer<UInt8>?.self)
    }
}

func planeLineSize(_ frame: UnsafeMutablePointer<AVFrame>, _ plane: Int) -> Int32 {
    withUnsafeBytes(of: frame.pointee.linesize) { $0.load(fromByteOffset: plane * MemoryLayout<Int32>.stride, as: Int32.self) }
}
