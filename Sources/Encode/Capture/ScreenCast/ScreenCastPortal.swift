internal import CScreenCast
import ProctorModel

/// One xdg-desktop-portal ScreenCast session: the consent dialog, the chosen monitors and the
/// PipeWire remote they are streamed over. The compositor shares for as long as this object
/// lives; `deinit` closes the session. The handshake blocks (the student has a dialog to answer),
/// so it is made on a capture thread or before recording, never on the cooperative pool.
final class ScreenCastPortal {
    /// A shared monitor: its PipeWire node and where it sits on the desktop.
    struct Monitor: Equatable {
        let node: UInt32
        let x: Int, y: Int, width: Int, height: Int
    }

    private let handle: OpaquePointer
    let monitors: [Monitor]
    /// Lets the next session of this exam skip the dialog (persist_mode 2); nil when the
    /// backend does not persist.
    let restoreToken: String?

    /// Throws `.deviceUnavailable` for every failure: refused or closed dialog, no portal, no
    /// answer within `consentTimeout` seconds. The message says what to do.
    init(restoreToken: String?, consentTimeout: Double) throws(ProctorError) {
        var message = [CChar](repeating: 0, count: 512)
        var opened: OpaquePointer?
        let result = proctor_portal_open(restoreToken, Int32(consentTimeout * 1000), &opened, &message, message.count)
        let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard result == PROCTOR_PORTAL_OK, let opened else { throw Self.error(result, text) }
        handle = opened
        monitors = (0..<proctor_portal_stream_count(opened)).map { index in
            let stream = proctor_portal_stream_at(opened, index)
            return Monitor(node: stream.node, x: Int(stream.x), y: Int(stream.y), width: Int(stream.width), height: Int(stream.height))
        }
        self.restoreToken = proctor_portal_restore_token(opened).map { String(cString: $0) }
    }

    deinit { proctor_portal_close(handle) }

    /// The PipeWire remote; the portal keeps it open, a stream duplicates it.
    var pipeWireDescriptor: Int32 { proctor_portal_fd(handle) }

    private static func error(_ result: proctor_portal_result, _ text: String) -> ProctorError {
        switch result {
        case PROCTOR_PORTAL_CANCELLED:
            return ProctorError(.deviceUnavailable, "screen sharing was refused or closed in the desktop's dialog; start again and choose Share for every monitor",
                                detail: text, underlying: Int32(result.rawValue))
        case PROCTOR_PORTAL_TIMEOUT:
            return ProctorError(.deviceUnavailable, "\(text); start again and answer the screen-sharing dialog",
                                detail: text, underlying: Int32(result.rawValue))
        case PROCTOR_PORTAL_UNAVAILABLE:
            return ProctorError(.deviceUnavailable, "the screen cannot be recorded through the desktop portal (\(text)); install xdg-desktop-portal and your desktop's backend, or use --screen x11:DISPLAY on an X11 session",
                                detail: text, underlying: Int32(result.rawValue))
        default:
            return ProctorError(.deviceUnavailable, "the desktop did not share the screen (\(text)); start again, or ask your institution which desktop to use",
                                detail: text, underlying: Int32(result.rawValue))
        }
    }

    /// Whether `error` came from the person refusing or closing the dialog (the CLI's exit 69
    /// either way; the session does not retry a refusal).
    static func isRefusal(_ error: ProctorError) -> Bool {
        error.code == .deviceUnavailable && error.underlying == Int32(PROCTOR_PORTAL_CANCELLED.rawValue)
    }
}
