import Foundation

/// Where the Linux facts are read from. Tests point these at real temporary trees to play
/// a second monitor or a VM without changing the machine.
public struct SystemRoots: Sendable, Equatable {
    public var proc: String
    public var sys: String

    public init(proc: String = "/proc", sys: String = "/sys") {
        self.proc = proc
        self.sys = sys
    }

    func read(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    func list(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }
}
