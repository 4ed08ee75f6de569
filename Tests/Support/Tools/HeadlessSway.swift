import Foundation
import XCTest

/// A real Wayland desktop for as long as a test needs it: sway on its headless backend (one
/// output, HEADLESS-1, software-rendered), PipeWire and WirePlumber, and xdg-desktop-portal with
/// the wlroots backend answering `org.freedesktop.portal.ScreenCast` without a chooser, all on
/// a private session bus (`dbus-run-session`) with a private XDG_RUNTIME_DIR. Known pictures
/// are shown with `swaybg`: the first colour at once, the next ones by `showNext`.
///
/// sway refuses to run as root ("Unable to drop root") and the portal will not serve a caller
/// whose /proc entry it cannot read, so the stack and the recorder under test run as an
/// unprivileged user (`user`, created once with useradd). The test itself stays root: grim,
/// swaymsg and swaybg reach the compositor's socket as root.
///
/// Debian 12's xdg-desktop-portal-wlr 0.7.0 refuses every cast on a GPU-less machine (upstream
/// issue #289): `Tests/Fixtures/wayland/xdpw-shm-only.c`, built here and preloaded into it, is
/// the one-check workaround; the buffers stay shared memory, as on a real desktop.
///
/// Compositors send a picture only when something changed. A real desktop repaints all the
/// time (cursor, clock, caret); this one is kept repainting (without changing a pixel) so the
/// portal has a first picture to send, as it would there.
public final class HeadlessSway: @unchecked Sendable {
    // @unchecked: `backgrounds` is touched only from the test's thread; the stack process and
    // folder are immutable.
    public enum Consent: Sendable {
        /// The portal shares HEADLESS-1 at once (chooser_type=none).
        case share
        /// The "dialog" is closed without a choice: SelectSources answers "cancelled".
        case refuse
        /// The dialog shares HEADLESS-1 the first time and is closed every later time, so only
        /// a session that presents its restore token gets the screen again. `dialogsShown`
        /// counts the dialogs.
        case shareOnce
    }

    public static let user = "proctor-wayland"
    public static let output = "HEADLESS-1"
    public let width: Int
    public let height: Int
    /// The folder the stack lives in (runtime dir, configs, logs); owned by `user`.
    public let folder: URL
    /// What a process needs to reach this desktop: WAYLAND_DISPLAY, XDG_RUNTIME_DIR,
    /// DBUS_SESSION_BUS_ADDRESS, XDG_SESSION_TYPE, SWAYSOCK.
    public let environment: [String: String]
    private let stack: Process
    private let stackPID: Int32
    /// One swaybg per colour still to show, the visible one first.
    private var backgrounds: [(colour: String, process: Process)] = []

    /// Starts the stack showing `colours[0]` (#rrggbb), the others waiting underneath for
    /// `showNext`. Skips the test where the stack cannot run (not root, packages missing:
    /// `make setup`).
    public static func start(colours: [String], consent: Consent = .share, width: Int = 640, height: Int = 480) throws -> HeadlessSway {
        guard getuid() == 0 else { throw XCTSkip("the Wayland stack runs as a separate unprivileged user: the tests must run as root") }
        for tool in ["/usr/bin/sway", "/usr/bin/swaybg", "/usr/bin/swaymsg", "/usr/bin/grim", "/usr/bin/pipewire", "/usr/bin/wireplumber",
                     "/usr/bin/dbus-run-session", "/usr/libexec/xdg-desktop-portal", "/usr/libexec/xdg-desktop-portal-wlr", "/usr/bin/cc"] {
            guard FileManager.default.isExecutableFile(atPath: tool) else { throw XCTSkip("\(tool) is not installed (make setup)") }
        }
        try ensureUser()
        let folder = URL(fileURLWithPath: "/tmp/proctor-sway-\(UUID().uuidString.prefix(8))")
        for sub in ["runtime", "config/sway", "config/xdg-desktop-portal-wlr", "home"] {
            try FileManager.default.createDirectory(at: folder.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        try buildShim(into: folder)
        let chooser: String
        switch consent {
        case .share: chooser = "chooser_type=none\noutput_name=\(output)\n"
        // A chooser that prints nothing is how xdpw learns the person closed the dialog.
        case .refuse: chooser = "chooser_type=simple\nchooser_cmd=true\n"
        case .shareOnce:
            let script = folder.appendingPathComponent("chooser.sh")
            try "echo shown >> \"\(folder.path)/dialogs\"\n[ \"$(wc -l < \"\(folder.path)/dialogs\")\" = 1 ] && echo \(output)\nexit 0\n"
                .write(to: script, atomically: true, encoding: .utf8)
            chooser = "chooser_type=simple\nchooser_cmd=/bin/sh \(script.path)\n"
        }
        try "[screencast]\n\(chooser)".write(to: folder.appendingPathComponent("config/xdg-desktop-portal-wlr/config"), atomically: true, encoding: .utf8)
        try "output \(output) resolution \(width)x\(height)\n".write(to: folder.appendingPathComponent("config/sway/config"), atomically: true, encoding: .utf8)
        try script.write(to: folder.appendingPathComponent("stack.sh"), atomically: true, encoding: .utf8)
        try run("/bin/chown", ["-R", user, folder.path])
        try run("/bin/chmod", ["700", folder.appendingPathComponent("runtime").path])

        let stack = Process()
        stack.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
        // The environment goes to the bus too: a service the bus starts on demand gets the
        // private runtime dir and desktop name, not the user's defaults.
        let base = folder.path
        stack.arguments = ["-u", user, "--", "/usr/bin/env", "HOME=\(base)/home", "XDG_RUNTIME_DIR=\(base)/runtime",
                           "XDG_CONFIG_HOME=\(base)/config", "XDG_DATA_HOME=\(base)/home/.local/share", "XDG_CURRENT_DESKTOP=sway",
                           "XDG_SESSION_TYPE=wayland", "/usr/bin/dbus-run-session", "--", "/bin/bash", folder.appendingPathComponent("stack.sh").path, base]
        stack.standardOutput = FileHandle.nullDevice
        stack.standardError = FileHandle.nullDevice
        try stack.run()
        let ready = folder.appendingPathComponent("ready")
        guard waitUntil(timeout: 30, poll: 0.05, { FileManager.default.fileExists(atPath: ready.path) || !stack.isRunning }),
              FileManager.default.fileExists(atPath: ready.path) else {
            let logs = ["sway.log", "xdpw.log", "portal.log", "pipewire.log"].map { name in
                "\(name): " + ((try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)) ?? "").suffix(400)
            }
            stack.terminate()
            throw XCTSkip("the headless Wayland stack did not come up in 30 s:\n" + logs.joined(separator: "\n"))
        }
        var environment: [String: String] = [:]
        for line in try String(contentsOf: folder.appendingPathComponent("environment"), encoding: .utf8).split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            environment[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        let pid = Int32(try String(contentsOf: folder.appendingPathComponent("pid"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        let sway = HeadlessSway(width: width, height: height, folder: folder, environment: environment, stack: stack, stackPID: pid)
        do {
            try sway.layer(colours)
        } catch {
            sway.stop()
            throw error
        }
        return sway
    }

    private init(width: Int, height: Int, folder: URL, environment: [String: String], stack: Process, stackPID: Int32) {
        self.width = width
        self.height = height
        self.folder = folder
        self.environment = environment
        self.stack = stack
        self.stackPID = stackPID
    }

    /// sway stacks a newer background below the older ones on the same output. So the colours
    /// are started in order (the first on top) and each change removes the top one: the next
    /// colour, mapped seconds before, appears in the same frame, with nothing in between
    /// (replacing one swaybg by another would show sway's gray for a frame or two).
    private func layer(_ colours: [String]) throws {
        for (index, colour) in colours.enumerated() {
            let swaybg = Process()
            swaybg.executableURL = URL(fileURLWithPath: "/usr/bin/swaybg")
            swaybg.arguments = ["-o", Self.output, "-c", colour, "-m", "solid_color"]
            swaybg.environment = environment
            swaybg.standardError = FileHandle.nullDevice
            try swaybg.run()
            backgrounds.append((colour, swaybg))
            if index == 0 { try waitForColour(colour) }
        }
        // Still the first: the stacking order is what `showNext` relies on.
        if let first = colours.first { try waitForColour(first) }
    }

    /// Removes the visible colour and returns once a screenshot shows the next one.
    public func showNext() throws {
        guard backgrounds.count > 1 else { throw XCTSkip("no colour left to show") }
        let top = backgrounds.removeFirst()
        top.process.terminate()
        top.process.waitUntilExit()
        try waitForColour(backgrounds[0].colour)
    }

    private func waitForColour(_ colour: String) throws {
        let wanted = try Self.rgb(colour)
        guard waitUntil(timeout: 10, poll: 0.01, { (try? samplePixel()) == wanted }) else {
            throw XCTSkip("\(Self.output) did not show \(colour) within 10 s (it shows \((try? samplePixel()) ?? []))")
        }
    }

    /// One pixel as grim captures it (through the compositor, not the portal), a quarter in
    /// from the top left: the centre is where the pointer sits, and while a cast embeds it the
    /// compositor draws it into the output.
    public func samplePixel() throws -> [UInt8] {
        let data = try CommandOutput.runData("/usr/bin/grim", ["-t", "ppm", "-g", "\(width / 4),\(height / 4) 1x1", "-"], environment: environment)
        // "P6\n1 1\n255\n" then three bytes.
        return Array(data.suffix(3))
    }

    /// Runs `arguments[0]` as `user` on this desktop, with `extra` added to its environment.
    public func processAsUser(_ arguments: [String], environment extra: [String: String] = [:]) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
        let variables = environment.merging(extra) { $1 }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        process.arguments = ["-u", Self.user, "--", "/usr/bin/env", "-i", "PATH=/usr/bin:/bin"] + variables + arguments
        return process
    }

    /// Hands `url` (a test's folder) to `user`, who runs the recorder.
    public func give(_ url: URL) throws {
        try Self.run("/bin/chown", ["-R", Self.user, url.path])
    }

    /// Safe to call twice.
    public func stop() {
        for background in backgrounds { background.process.terminate() }
        backgrounds = []
        if stackPID > 0 { kill(stackPID, SIGTERM) }
        if stack.isRunning { stack.waitUntilExit() }
        // PROCTOR_KEEP_SWAY=1 keeps the folder (logs of every part of the stack) for a look.
        if ProcessInfo.processInfo.environment["PROCTOR_KEEP_SWAY"] == nil { try? FileManager.default.removeItem(at: folder) }
    }

    /// How many times the (`.shareOnce`) dialog was shown.
    public var dialogsShown: Int {
        log("dialogs").split(separator: "\n").count
    }

    public func log(_ name: String) -> String {
        (try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)) ?? ""
    }

    static func rgb(_ colour: String) throws -> [UInt8] {
        let hex = colour.hasPrefix("#") ? String(colour.dropFirst()) : colour
        guard hex.count == 6, let value = UInt32(hex, radix: 16) else { throw XCTSkip("colour \(colour) is not #rrggbb") }
        return [UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }

    private static func ensureUser() throws {
        if (try? run("/usr/bin/id", ["-u", user])) != nil { return }
        try run("/usr/sbin/useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user])
    }

    private static func buildShim(into folder: URL) throws {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/wayland/xdpw-shm-only.c")
        try run("/usr/bin/cc", ["-shared", "-fPIC", "-O2", "-o", folder.appendingPathComponent("xdpw-shm-only.so").path, source.path, "-ldl"])
    }

    @discardableResult
    private static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw XCTSkip("\(tool) \(arguments.joined(separator: " ")) failed (\(process.terminationStatus))") }
        return String(decoding: data, as: UTF8.self)
    }

    /// Runs (bash) as `user` inside dbus-run-session, in the folder given as $1. Ends its children when
    /// terminated, and after 15 minutes at the latest, so a crashed test leaves nothing behind.
    private static let script = #"""
    set -u
    BASE="$1"
    cd "$BASE"
    echo $$ > "$BASE/pid"
    export WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1
    trap 'kill $(jobs -p) 2>/dev/null; exit 0' TERM INT
    sway -c "$BASE/config/sway/config" > sway.log 2>&1 &
    for i in $(seq 200); do [ -S "$XDG_RUNTIME_DIR/wayland-1" ] && break; sleep 0.05; done
    export WAYLAND_DISPLAY=wayland-1
    for i in $(seq 200); do ls "$XDG_RUNTIME_DIR"/sway-ipc.*.sock > /dev/null 2>&1 && break; sleep 0.05; done
    export SWAYSOCK="$(ls "$XDG_RUNTIME_DIR"/sway-ipc.*.sock)"
    dbus-update-activation-environment WAYLAND_DISPLAY SWAYSOCK WLR_BACKENDS WLR_RENDERER
    pipewire > pipewire.log 2>&1 &
    for i in $(seq 200); do [ -S "$XDG_RUNTIME_DIR/pipewire-0" ] && break; sleep 0.05; done
    wireplumber > wireplumber.log 2>&1 &
    # The portal asks PipeWire for a connection at every Start: wait until the session manager
    # is up (it creates the "default" metadata), or the first cast may find no PipeWire.
    for i in $(seq 200); do pw-cli ls Metadata 2> /dev/null | grep -q 'metadata.name = "default"' && break; sleep 0.05; done
    # Both portals are started here, in this environment, and each is waited for by name
    # (NameHasOwner starts nothing): a call to a name nobody owns yet would have the bus start
    # its own copy, without WAYLAND_DISPLAY and without the shim.
    owned() {
        gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
            --method org.freedesktop.DBus.NameHasOwner "$1" 2> /dev/null | grep -q true
    }
    mkdir -p "$XDG_DATA_HOME/flatpak/db"
    LD_PRELOAD="$BASE/xdpw-shm-only.so" /usr/libexec/xdg-desktop-portal-wlr > xdpw.log 2>&1 &
    for i in $(seq 200); do owned org.freedesktop.impl.portal.desktop.wlr && break; sleep 0.05; done
    /usr/libexec/xdg-desktop-portal > portal.log 2>&1 &
    for i in $(seq 200); do owned org.freedesktop.portal.Desktop && break; sleep 0.05; done
    for i in $(seq 200); do
        gdbus introspect --session --dest org.freedesktop.portal.Desktop --object-path /org/freedesktop/portal/desktop 2> /dev/null \
            | grep -q org.freedesktop.portal.ScreenCast && break
        sleep 0.05
    done
    # A desktop that repaints: damage without a changed pixel, four times a second.
    ( while :; do swaymsg -q "output HEADLESS-1 pos 0 0"; sleep 0.25; done ) > /dev/null 2>&1 &
    printf 'WAYLAND_DISPLAY=%s\nXDG_RUNTIME_DIR=%s\nDBUS_SESSION_BUS_ADDRESS=%s\nXDG_SESSION_TYPE=wayland\nSWAYSOCK=%s\n' \
        "$XDG_RUNTIME_DIR/$WAYLAND_DISPLAY" "$XDG_RUNTIME_DIR" "$DBUS_SESSION_BUS_ADDRESS" "$SWAYSOCK" > environment
    touch ready
    sleep 900 &
    wait $!
    kill $(jobs -p) 2>/dev/null
    """#
}
