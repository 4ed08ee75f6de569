import Foundation

/// Connected displays, read from the kernel's DRM connectors (/sys/class/drm/cardN-NAME/status),
/// which see every monitor whatever the window system, and whether an X display is reachable.
public enum DisplayProbe {
    /// Connector names (e.g. "card0-HDMI-A-1") whose status is "connected"; nil when the
    /// machine exposes no DRM information (a container or a VM without a GPU), so the caller
    /// can say "not checked" rather than "no displays".
    public static func connectedDisplays(sysfs: URL = URL(fileURLWithPath: "/sys/class/drm")) -> [String]? {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: sysfs.path) else { return nil }
        let connectors = entries.filter { $0.hasPrefix("card") && $0.contains("-") }
        guard !connectors.isEmpty else { return nil }
        return connectors.sorted().filter { name in
            let status = try? String(contentsOf: sysfs.appendingPathComponent(name).appendingPathComponent("status"), encoding: .utf8)
            return status?.trimmingCharacters(in: .whitespacesAndNewlines) == "connected"
        }
    }

    /// True when the local X server for `display` (":0", ":99.0") has its socket; remote
    /// displays ("host:0") are assumed reachable and left to the recorder to prove.
    public static func x11DisplayExists(_ display: String) -> Bool {
        guard display.hasPrefix(":") else { return !display.isEmpty }
        let number = display.dropFirst().split(separator: ".").first.map(String.init) ?? ""
        guard Int(number) != nil else { return false }
        return FileManager.default.fileExists(atPath: "/tmp/.X11-unix/X\(number)")
    }
}
