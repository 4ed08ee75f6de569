internal import CFFmpeg
import ProctorModel

/// An opened encoder or decoder. The send/receive loop lives with the caller; this class
/// only owns the context and frees it.
final class CodecContext {
    let pointer: UnsafeMutablePointer<AVCodecContext>

    private init(codec: UnsafePointer<AVCodec>) throws(ProctorError) {
        guard let context = avcodec_alloc_context3(codec) else {
            throw ProctorError(.library, "could not allocate a codec context")
        }
        pointer = context
    }

    deinit {
        var context: UnsafeMutablePointer<AVCodecContext>? = pointer
        avcodec_free_context(&context)
    }

    /// An encoder by FFmpeg name ("libx264", "libopus"); `configure` sets sizes and rates
    /// before it is opened with `options` (private options such as preset and tune).
    static func encoder(named name: String, options: [String: String] = [:],
                        configure: (UnsafeMutablePointer<AVCodecContext>) -> Void) throws(ProctorError) -> CodecContext {
        guard let codec = avcodec_find_encoder_by_name(name) else {
            throw ProctorError(.unsupported, "this FFmpeg has no \(name) encoder; install a build with it")
        }
        return try opened(codec, options: options, configure: configure)
    }

    /// The default encoder for a codec id (e.g. MJPEG for still photos).
    static func encoder(id: AVCodecID, options: [String: String] = [:],
                        configure: (UnsafeMutablePointer<AVCodecContext>) -> Void) throws(ProctorError) -> CodecContext {
        guard let codec = avcodec_find_encoder(id) else {
            throw ProctorError(.unsupported, "this FFmpeg has no \(String(cString: avcodec_get_name(id))) encoder; install a build with it")
        }
        return try opened(codec, options: options, configure: configure)
    }

    /// A decoder for a bare codec id with default parameters (still images).
    static func decoder(id: AVCodecID) throws(ProctorError) -> CodecContext {
        guard let codec = avcodec_find_decoder(id) else {
            throw ProctorError(.unsupported, "this FFmpeg cannot decode \(String(cString: avcodec_get_name(id)))")
        }
        return try opened(codec, options: [:]) { _ in }
    }

    private static func opened(_ codec: UnsafePointer<AVCodec>, options: [String: String],
                               configure: (UnsafeMutablePointer<AVCodecContext>) -> Void) throws(ProctorError) -> CodecContext {
        let context = try CodecContext(codec: codec)
        configure(context.pointer)
        var dictionary = OptionDictionary(options)
        defer { dictionary.free() }
        try check(avcodec_open2(context.pointer, codec, &dictionary.pointer), "avcodec_open2(\(String(cString: codec.pointee.name)))")
        return context
    }

    /// A decoder for one demuxed stream; `configure` runs after the stream's parameters are
    /// copied and before opening (thread count, packet time base).
    static func decoder(for parameters: UnsafePointer<AVCodecParameters>,
                        configure: (UnsafeMutablePointer<AVCodecContext>) -> Void = { _ in }) throws(ProctorError) -> CodecContext {
        guard let codec = avcodec_find_decoder(parameters.pointee.codec_id) else {
            let name = String(cString: avcodec_get_name(parameters.pointee.codec_id))
            throw ProctorError(.unsupported, "this FFmpeg cannot decode \(name)")
        }
        let context = try CodecContext(codec: codec)
        try check(avcodec_parameters_to_context(context.pointer, parameters), "avcodec_parameters_to_context")
        configure(context.pointer)
        try check(avcodec_open2(context.pointer, codec, nil), "avcodec_open2(decoder)")
        return context
    }

    /// The codec's FFmpeg name, e.g. "libx264".
    var codecName: String { String(cString: pointer.pointee.codec.pointee.name) }
}

extension CodecContext {
    /// Hands every packet the encoder has ready to `body`, reusing `packet`; stops at EAGAIN/EOF.
    func receivePackets(into packet: Packet, _ body: (Packet) throws(ProctorError) -> Void) throws(ProctorError) {
        while case .ok = try check(avcodec_receive_packet(pointer, packet.pointer), "avcodec_receive_packet") {
            defer { packet.unref() }
            try body(packet)
        }
    }
}

/// An AVDictionary of string options, freed by its owner.
struct OptionDictionary {
    var pointer: OpaquePointer?

    init(_ values: [String: String]) {
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            av_dict_set(&pointer, key, value, 0)
        }
    }

    mutating func free() { av_dict_free(&pointer) }
}
