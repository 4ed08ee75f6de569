import Foundation
import ProctorModel

/// The screen on a Wayland desktop, through the ScreenCast portal and PipeWire: every monitor
/// the student shares, composited side by side as the desktop lays them out into one picture
/// (one screen track, as with x11grab, which also records the whole X screen).
///
/// Compositors send a picture only when something on screen changed, so the recording is
/// paced here: at every tick of the exam's screen rate (on the media-time grid the encoder
/// uses) the newest picture is emitted, the previous one again when nothing changed. That
/// gives a constant-rate track whose frame count follows the session clock.
final class PortalScreenDevice: CaptureDevice {
    let role = SourceRole.screen
    /// A share the desktop ended (monitor unplugged, compositor restart) is reopened; the
    /// restore token keeps that from asking the student again where the desktop supports it.
    let retries = true
    private let framesPerSecond: Double
    private let token: ScreenCastToken?
    private let consentTimeout: Double
    private var portal: ScreenCastPortal?
    private var streams: [PipeWireScreenStream] = []
    /// The newest picture of each monitor, and the composed picture last emitted.
    private var latest: [Frame?] = []
    private var picture: Frame?
    private var nextTick: Double?
    private var canvas: MonitorCanvas?

    /// How long `open` waits for the first picture after the dialog: a desktop that shares
    /// but sends nothing must fail before anything is recorded, not record an empty track.
    static let firstPictureSeconds = 5.0
    /// Missed ticks up to this far back are filled with the newest picture; beyond it, skipped.
    static let catchUpSeconds = 2.0

    init(framesPerSecond: Int, token: ScreenCastToken?, consentTimeout: Double) {
        self.framesPerSecond = Double(max(1, framesPerSecond))
        self.token = token
        self.consentTimeout = consentTimeout
    }

    var isOpen: Bool { portal != nil }

    func open() throws(ProctorError) {
        let portal = try ScreenCastPortal(restoreToken: token?.load(), consentTimeout: consentTimeout)
        if let restore = portal.restoreToken { token?.save(restore) }
        var streams: [PipeWireScreenStream] = []
        for monitor in portal.monitors {
            streams.append(try PipeWireScreenStream(descriptor: portal.pipeWireDescriptor, node: monitor.node))
        }
        self.portal = portal
        self.streams = streams
        latest = Array(repeating: nil, count: streams.count)
        canvas = streams.count > 1 ? MonitorCanvas(portal.monitors) : nil
        picture = nil
        nextTick = nil
        do throws(ProctorError) {
            let clock = MediaClock()
            for index in streams.indices {
                latest[index] = try streams[index].newest(waiting: Self.firstPictureSeconds - clock.now())
                guard latest[index] != nil else {
                    throw ProctorError(.deviceUnavailable, "the desktop shared the screen but sent no picture within \(Int(Self.firstPictureSeconds)) s; use --screen x11:DISPLAY on an X11 session or report your desktop")
                }
            }
            picture = try compose()
        } catch {
            close()
            throw error
        }
    }

    func close() {
        streams = []
        latest = []
        picture = nil
        portal = nil
    }

    func resetPacing() { nextTick = nil }

    func next(clock: MediaClock) throws(ProctorError) -> Captured? {
        guard portal != nil else { return nil }
        let period = 1 / framesPerSecond
        let now = clock.now()
        // The first tick is the grid slot the recording starts in: the picture was already
        // there (it arrived while the device opened). A tick this thread was too late for
        // (a loaded machine) is still emitted, at once, so a stall leaves no hole in the
        // track; only after a long gap (a reopened share) does pacing restart at the next
        // slot, and the encoder counts the slots in between as missing.
        var tick = nextTick ?? (now * framesPerSecond).rounded(.down) / framesPerSecond
        if tick < now - Self.catchUpSeconds { tick = (now * framesPerSecond).rounded(.up) / framesPerSecond }
        clock.sleep(until: tick)
        nextTick = tick + period
        var changed = false
        for index in streams.indices {
            if let fresh = try streams[index].newest(waiting: 0) {
                latest[index] = fresh
                changed = true
            }
        }
        if changed || picture == nil { picture = try compose() }
        guard let picture else { return nil }
        return .video(try picture.reference(), time: tick, source: .screen)
    }

    /// One monitor: its own picture. Several: drawn onto the desktop-sized canvas.
    private func compose() throws(ProctorError) -> Frame? {
        guard let canvas else { return latest.first ?? nil }
        return try canvas.draw(latest)
    }
}
