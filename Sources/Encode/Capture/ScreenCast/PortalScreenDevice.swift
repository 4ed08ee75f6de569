import Foundation
internal import CFFmpeg
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

/// Where the per-exam restore token lives: the ScreenCast portal hands one back after the first
/// consent, and presenting it lets the next session (a resumed part, a retry) start without the
/// dialog on desktops that support persistence (GNOME asks each time without it).
public struct ScreenCastToken: Sendable, Equatable {
    public let path: String

    public init(path: String) { self.path = path }

    func load() -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    /// Best effort: a token that cannot be kept only means the dialog appears again next time.
    func save(_ token: String) {
        _ = FileManager.default.createFile(atPath: path, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600])
    }
}

/// Several monitors drawn into one BGR0 picture at their desktop positions (the bounding box
/// of all of them; gaps stay black).
final class MonitorCanvas {
    private let monitors: [ScreenCastPortal.Monitor]
    private let origin: (x: Int, y: Int)
    private let size: (width: Int32, height: Int32)
    private var scalers: [Scaler?]

    init(_ monitors: [ScreenCastPortal.Monitor]) {
        self.monitors = monitors
        let minX = monitors.map(\.x).min() ?? 0, minY = monitors.map(\.y).min() ?? 0
        let maxX = monitors.map { $0.x + $0.width }.max() ?? 2, maxY = monitors.map { $0.y + $0.height }.max() ?? 2
        origin = (minX, minY)
        // Even sizes: the encoder's 4:2:0 scaler rounds odd ones anyway.
        size = (Int32((maxX - minX + 1) & ~1), Int32((maxY - minY + 1) & ~1))
        scalers = Array(repeating: nil, count: monitors.count)
    }

    func draw(_ pictures: [Frame?]) throws(ProctorError) -> Frame {
        let canvas = Frame()
        canvas.pointer.pointee.width = size.width
        canvas.pointer.pointee.height = size.height
        canvas.pointer.pointee.format = AV_PIX_FMT_BGR0.rawValue
        try check(av_frame_get_buffer(canvas.pointer, 0), "av_frame_get_buffer", as: .library, "out of memory for the \(size.width)x\(size.height) screen canvas")
        guard let base = planeData(canvas.pointer, 0) else { return canvas }
        let stride = planeLineSize(canvas.pointer, 0)
        memset(base, 0, Int(stride) * Int(size.height))
        for (index, monitor) in monitors.enumerated() {
            guard let picture = pictures[index] else { continue }
            // The portal's size is the monitor's logical size; the picture may be scaled (HiDPI).
            let width = Int32(min(monitor.width, Int(size.width) - (monitor.x - origin.x)))
            let height = Int32(min(monitor.height, Int(size.height) - (monitor.y - origin.y)))
            guard width > 0, height > 0 else { continue }
            if scalers[index].map({ !$0.matches(picture) }) ?? true {
                scalers[index] = try Scaler(from: (picture.width, picture.height, picture.format), to: (width, height, AV_PIX_FMT_BGR0))
            }
            let offset = (monitor.y - origin.y) * Int(stride) + (monitor.x - origin.x) * 4
            let planes = (0..<4).map { UnsafePointer(planeData(picture.pointer, $0)) }
            let strides = (0..<4).map { planeLineSize(picture.pointer, $0) }
            try scalers[index]!.scale(planes, strides, height: picture.height, [base + offset, nil, nil, nil], [stride, 0, 0, 0])
        }
        return canvas
    }
}
