import Foundation

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
