internal import CFFmpeg

/// One AVFrame, owned by whichever stage holds this object: capture threads hand it to the
/// pipeline thread through a queue and never touch it again, hence `@unchecked Sendable`.
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
}
