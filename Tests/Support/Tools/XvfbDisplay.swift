import Foundation
import XCTest

/// An Xvfb server on a free display number, for as long as a test needs it. A machine without
/// Xvfb skips the test (`make setup` installs it).
public struct XvfbDisplay {
    public let name: String
    private let process: Process

    public static func start() throws -> XvfbDisplay {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/Xvfb") else { throw XCTSkip("Xvfb is not installed (make setup)") }
        let free = { (number: Int) in
            !FileManager.default.fileExists(atPath: "/tmp/.X11-unix/X\(number)") && !FileManager.default.fileExists(atPath: "/tmp/.X\(number)-lock")
        }
        let number = (140...259).first(where: free) ?? 259
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/Xvfb")
        // -noreset: an X server resets (and its root goes black again) when its last client
        // leaves, which would undo `paint` as soon as xsetroot exits.
        process.arguments = [":\(number)", "-screen", "0", "1024x768x24", "-nolisten", "tcp", "-noreset"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        let socket = "/tmp/.X11-unix/X\(number)"
        waitUntil(timeout: 5, poll: 0.05) { FileManager.default.fileExists(atPath: socket) }
        return XvfbDisplay(name: ":\(number)", process: process)
    }

    /// Fills the root window with one colour (`xsetroot -solid`, x11-xserver-utils). Nothing
    /// drawn, the screen is black: what x11grab records of XWayland under Wayland.
    public func paint(_ color: String) throws {
        let tool = "/usr/bin/xsetroot"
        guard FileManager.default.isExecutableFile(atPath: tool) else { throw XCTSkip("xsetroot is not installed (x11-xserver-utils)") }
        let xsetroot = Process()
        xsetroot.executableURL = URL(fileURLWithPath: tool)
        xsetroot.arguments = ["-display", name, "-solid", color]
        try xsetroot.run()
        xsetroot.waitUntilExit()
        guard xsetroot.terminationStatus == 0 else { throw XCTSkip("xsetroot -solid \(color) failed on \(name)") }
    }

    /// Safe to call twice (a test may stop the server early and still `defer` a stop).
    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}
