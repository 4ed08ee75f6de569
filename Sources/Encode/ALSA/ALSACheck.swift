internal import CALSA
import Foundation
import ProctorModel

/// ALSA's own message for a negative return code.
func alsaErrorText(_ code: Int32) -> String { String(cString: snd_strerror(code)) }

/// Turns an ALSA return code into a `ProctorError` naming the call, the code (a negative
/// errno) in `underlying`; non-negative passes.
@discardableResult
func alsaCheck(_ code: Int32, _ call: String, as errorCode: ProctorError.Code = .library,
               _ message: @autoclosure () -> String? = nil) throws(ProctorError) -> Int32 {
    if code >= 0 { return code }
    let text = alsaErrorText(code)
    throw ProctorError(errorCode, message() ?? "\(call) failed: \(text)", detail: "\(call) returned \(code) (\(text))", underlying: code)
}

/// An in-memory ALSA configuration tree (`snd_config_load` over a text buffer), so a test or
/// a script can define a PCM such as a `file` plugin microphone without touching ~/.asoundrc.
final class ALSAConfig {
    let pointer: OpaquePointer

    init(text: String) throws(ProctorError) {
        var top: OpaquePointer?
        try alsaCheck(snd_config_top(&top), "snd_config_top")
        var input: OpaquePointer?
        let opened = text.withCString { snd_input_buffer_open(&input, $0, strlen($0)) }
        guard opened >= 0 else {
            snd_config_delete(top)
            throw ProctorError(.library, "snd_input_buffer_open failed: \(alsaErrorText(opened))", underlying: opened)
        }
        let loaded = snd_config_load(top, input)
        snd_input_close(input)
        guard loaded >= 0 else {
            snd_config_delete(top)
            throw ProctorError(.usage, "the ALSA configuration does not parse: \(alsaErrorText(loaded))", underlying: loaded)
        }
        pointer = top!
    }

    deinit { snd_config_delete(pointer) }
}
