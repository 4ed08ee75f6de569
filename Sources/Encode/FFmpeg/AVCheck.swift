internal import CFFmpeg
import ProctorModel

/// FFmpeg's own message for an AVERROR code, as `av_strerror` writes it.
func avErrorText(_ code: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: 128)
    av_strerror(code, &buffer, buffer.count)
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// What a negative FFmpeg return code means for the caller.
enum AVStatus {
    case ok(Int32)
    /// AVERROR(EAGAIN): the codec wants the other half of the send/receive loop first.
    case again
    /// AVERROR_EOF: the codec or demuxer is drained.
    case endOfStream
}

/// Turns an FFmpeg return code into a Swift error naming the call, keeping EAGAIN and EOF as
/// control flow because the send/receive loop is driven by them. The AVERROR goes into
/// `underlying`, so callers decide on it rather than on the text.
@discardableResult
func check(_ code: Int32, _ call: String, as errorCode: ProctorError.Code = .library,
           _ message: @autoclosure () -> String? = nil) throws(ProctorError) -> AVStatus {
    if code >= 0 { return .ok(code) }
    if code == proctor_averror_eagain() { return .again }
    if code == proctor_averror_eof() { return .endOfStream }
    let text = avErrorText(code)
    throw ProctorError(errorCode, message() ?? "\(call) failed: \(text)", detail: "\(call) returned \(code) (\(text))", underlying: code)
}
