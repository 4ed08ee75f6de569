internal import CFFmpeg
import Foundation
import ProctorModel

/// A libavformat input (a device through libavdevice, a lavfi graph, or a file) with the
/// decoder of its one video or audio stream. `nextFrame` blocks until a frame is decoded,
/// which is why only a capture thread calls it.
final class InputMedia {
    enum MediaType { case video, audio }

    private var context: UnsafeMutablePointer<AVFormatContext>?
    private let decoder: CodecContext
    private let streamIndex: Int32
    private let packet = Packet()
    private var draining = false
    /// Seconds per unit of the decoded frames' `best_effort_timestamp`.
    let timeBase: Double
    /// Frames (or audio frames) per second the stream announces; 30 when it announces none.
    let nominalFrameRate: Double

    /// Opens `url` with the libavdevice/libavformat input `format` (nil: probe a file).
    init(format: String?, url: String, options: [String: String], type: MediaType) throws(ProctorError) {
        avdevice_register_all()
        var inputFormat: UnsafePointer<AVInputFormat>?
        if let format {
            inputFormat = av_find_input_format(format)
            guard inputFormat != nil else {
                throw ProctorError(.unsupported, "this FFmpeg has no '\(format)' input; install libavdevice with it")
            }
        }
        var dictionary = OptionDictionary(options)
        defer { dictionary.free() }
        let status = avformat_open_input(&context, url, inputFormat, &dictionary.pointer)
        if status < 0 { throw InputMedia.openError(status, format: format, url: url) }
        do throws(ProctorError) {
            // Devices and lavfi describe their stream when opened; probing them would read (and
            // wait for) several frames, a second or more at a screen's 1 fps.
            if format == nil {
                try check(avformat_find_stream_info(context, nil), "avformat_find_stream_info", as: .badData,
                          "'\(url)' does not look like media")
            }
            let wanted = type == .video ? AVMEDIA_TYPE_VIDEO : AVMEDIA_TYPE_AUDIO
            let index = av_find_best_stream(context, wanted, -1, -1, nil, 0)
            guard index >= 0, let stream = context!.pointee.streams[Int(index)] else {
                throw ProctorError(.badData, "'\(url)' has no \(type == .video ? "video" : "audio") stream")
            }
            streamIndex = index
            timeBase = av_q2d(stream.pointee.time_base)
            let rate = av_q2d(stream.pointee.avg_frame_rate)
            nominalFrameRate = rate.isFinite && rate > 0 ? rate : 30
            decoder = try CodecContext.decoder(for: stream.pointee.codecpar)
        } catch {
            avformat_close_input(&context)
            throw error
        }
    }

    deinit { avformat_close_input(&context) }

    /// Maps an open failure to what the student can do about it: no such device or file,
    /// somebody else holds the device, or the data is not media. `underlying` is the AVERROR.
    static func openError(_ status: Int32, format: String?, url: String) -> ProctorError {
        let text = avErrorText(status)
        let detail = "avformat_open_input(\(format ?? "file"), \(url)) returned \(status) (\(text))"
        let what = format == nil || format == "lavfi" ? "'\(url)'" : "\(format!) device \(url)"
        switch status {
        case proctor_averror(ENOENT), proctor_averror(ENODEV), proctor_averror(ENXIO):
            return ProctorError(format == nil ? .missingInput : .deviceUnavailable, "\(what) was not found", detail: detail, underlying: status)
        case proctor_averror(EBUSY):
            return ProctorError(.deviceBusy, "\(what) is in use by another program; close it and try again", detail: detail, underlying: status)
        case proctor_averror(EACCES), proctor_averror(EPERM):
            return ProctorError(.deviceUnavailable, "\(what) cannot be opened: permission denied (are you in the 'video' group?)", detail: detail, underlying: status)
        default:
            if format == nil { return ProctorError(.badData, "\(what) cannot be read as media: \(text)", detail: detail, underlying: status) }
            return ProctorError(.deviceUnavailable, "\(what) cannot be opened: \(text)", detail: detail, underlying: status)
        }
    }

    /// Decodes the next frame of the stream into `frame`; false at the end of the input.
    func nextFrame(into frame: Frame) throws(ProctorError) -> Bool {
        while true {
            switch try check(avcodec_receive_frame(decoder.pointer, frame.pointer), "avcodec_receive_frame", as: .badData) {
            case .ok: return true
            case .endOfStream: return false
            case .again: break
            }
            if draining { return false }
            let read = av_read_frame(context, packet.pointer)
            if read == proctor_averror_eof() {
                draining = true
                try check(avcodec_send_packet(decoder.pointer, nil), "avcodec_send_packet(flush)")
                continue
            }
            // Devices opened non-blocking (some libavdevice inputs) say "not yet" instead of waiting.
            if read == proctor_averror_eagain() { usleep(2_000); continue }
            try check(read, "av_read_frame", as: .deviceUnavailable, "reading the source failed: \(avErrorText(read))")
            defer { packet.unref() }
            guard packet.pointer.pointee.stream_index == streamIndex else { continue }
            // A damaged packet in a file or a glitch from a camera is skipped, not fatal.
            _ = avcodec_send_packet(decoder.pointer, packet.pointer)
        }
    }

    /// The media time of a decoded frame in seconds relative to the stream's own clock.
    func seconds(of frame: Frame) -> Double? {
        let pts = frame.pointer.pointee.best_effort_timestamp
        return pts == proctor_av_nopts_value() ? nil : Double(pts) * timeBase
    }
}
