import Attest
import Foundation
import ProctorModel

/// `[server]` in the settings: the institution's collection server this exam reports to
/// (docs/server.md). Signed into the exam file, so the student's `begin` and the instructor's
/// `export` trust exactly this URL and key; an exam without it behaves as before.
public struct ServerSettings: Codable, Sendable, Equatable {
    /// Base URL of `proctor serve`, ending in `/`.
    public var url: String
    /// The pinned key tickets and receipts must verify under.
    public var key: ServerPublicKey
    /// How often a recording sends a checkpoint.
    public var checkpointSeconds: Double

    public static let defaultCheckpointSeconds: Double = 10

    public init(url: String, key: ServerPublicKey, checkpointSeconds: Double = defaultCheckpointSeconds) {
        self.url = url
        self.key = key
        self.checkpointSeconds = checkpointSeconds
    }
}

extension SettingsSchema {
    func readServer(_ root: TableReader) throws(ProctorError) -> ServerSettings? {
        guard let section = try root.table("server") else { return nil }
        let text = try section.require("url", section.string)
        let url = try checkServerURL(text, section)
        let entry = try section.require("key", section.string)
        let key: ServerPublicKey
        do throws(ProctorError) {
            if ServerPublicKey.looksLikeLine(entry) {
                key = try ServerPublicKey(line: entry)
            } else {
                let base = baseDirectory ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
                key = try ServerPublicKey(contentsOf: entry.hasPrefix("/") ? URL(fileURLWithPath: entry) : base.appendingPathComponent(entry))
            }
        } catch {
            throw ProctorError(error.code == .missingInput ? .missingInput : .badData, "\(file):\(section.line(of: "key")): server.key: \(error.message)")
        }
        // Below 2 s the checkpoints cost more than they locate; above 5 min a cut is located too coarsely.
        let seconds = try section.number("checkpoint_seconds", in: 2...300) ?? ServerSettings.defaultCheckpointSeconds
        try section.finish()
        return ServerSettings(url: url, key: key, checkpointSeconds: seconds)
    }

    /// https anywhere; plain http only to this machine (a demo, a test, or nginx in front on
    /// the same host), since tickets and codes would otherwise cross the network in clear.
    private func checkServerURL(_ text: String, _ section: TableReader) throws(ProctorError) -> String {
        let fail = { (why: String) in section.error(line: section.line(of: "url"), key: "url", why) }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty else {
            throw fail("'\(text)' is not a URL; write the server's address, e.g. https://exams.example.edu/proctor/")
        }
        guard components.user == nil, components.password == nil, components.query == nil, components.fragment == nil else {
            throw fail("must not contain a login, a query or a fragment")
        }
        let loopback = ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host.lowercased())
        guard scheme == "https" || (scheme == "http" && loopback) else {
            throw fail("must be https (plain http only to 127.0.0.1 or localhost)")
        }
        return text.hasSuffix("/") ? text : text + "/"
    }
}
