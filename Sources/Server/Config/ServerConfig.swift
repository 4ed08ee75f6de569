import Exam
import Foundation
import ProctorModel
import Seal

/// `proctor serve --config FILE` (docs/server.md, "Configuration"). Every key has a default,
/// so `proctor serve` with no file runs on one machine: 127.0.0.1:8440, data in
/// `./proctor-server`, a server key made there on first start.
package struct ServerConfig: Sendable {
    package var host = "127.0.0.1"
    package var port = 8440
    /// Holds `proctor.sqlite`, `bundles/` and, by default, the server key.
    package var dataDirectory: URL
    /// `NAME.server.key`; nil: `DATA/server.server.key`, made on first start.
    package var keyFile: URL?
    /// Instructors whose signature may publish exams (their `.pub` lines).
    package var trustedInstructors: [RecipientKey] = []
    package var limits = Limits()
    /// `[metadata]`: SQLite in the data folder, or a PostgreSQL database several instances share.
    package var metadata: MetadataConfig = .sqlite
    /// A ticket lasts the student's time limit plus this, so a slow start or a resume fits.
    package var ticketGraceSeconds: Double = 15 * 60
    /// How long after a ticket's end a bundle may still start uploading (its receipt says late):
    /// a student who lost the network at the end still delivers; after this, 403 `ticket_expired`.
    package var lateUploadSeconds: Double = 72 * 3600

    package struct Limits: Sendable {
        /// JSON bodies: publications with large rosters are the largest.
        package var jsonBytes = 1 << 20
        /// One PATCH of an upload.
        package var segmentBytes = 8 << 20
        /// A whole bundle.
        package var bundleBytes: Int = 20 << 30
        /// Requests per minute one attempt (checkpoints, upload) or one instructor (dashboard) may
        /// make, with bursts up to twice that: a client catching up after an outage sends its
        /// whole queue at once, and a 429 only makes it wait for its next tick (docs/server.md).
        package var requestsPerMinute = 120
    }

    package init(dataDirectory: URL) {
        self.dataDirectory = dataDirectory
    }

    package var databaseURL: URL { dataDirectory.appendingPathComponent("proctor.sqlite") }
    package var bundlesDirectory: URL { dataDirectory.appendingPathComponent("bundles", isDirectory: true) }
    package var resolvedKeyFile: URL { keyFile ?? dataDirectory.appendingPathComponent("server.server.key") }

    /// The embedded defaults, relative to the current folder.
    package static var defaults: ServerConfig {
        ServerConfig(dataDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("proctor-server", isDirectory: true))
    }

    /// Reads a config file; relative paths are relative to the file's folder.
    package static func load(_ url: URL) throws(ProctorError) -> ServerConfig {
        guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
            throw ProctorError(.missingInput, "cannot read the server config \(url.path)")
        }
        return try parse(toml: text, fileName: url.lastPathComponent, baseDirectory: url.deletingLastPathComponent())
    }

    package static func parse(toml text: String, fileName: String, baseDirectory: URL) throws(ProctorError) -> ServerConfig {
        let root = try TableReader.root(toml: text, fileName: fileName)
        func path(_ text: String) -> URL {
            text.hasPrefix("/") ? URL(fileURLWithPath: text) : baseDirectory.appendingPathComponent(text)
        }
        var config = ServerConfig(dataDirectory: baseDirectory.appendingPathComponent("proctor-server", isDirectory: true))
        if let listen = try root.table("listen") {
            config.host = try listen.string("host") ?? config.host
            config.port = try listen.integer("port", in: 0...65535) ?? config.port
            try listen.finish()
        }
        if let storage = try root.table("storage") {
            if let folder = try storage.string("data_dir") { config.dataDirectory = path(folder) }
            try storage.finish()
        }
        if let metadata = try root.table("metadata") {
            config.metadata = try MetadataConfig.read(metadata, path: path)
        }
        if let identity = try root.table("identity") {
            if let key = try identity.string("key_file") { config.keyFile = path(key) }
            try identity.finish()
        }
        if let trust = try root.table("trust") {
            config.trustedInstructors = try readInstructors(trust, path: path)
            config.ticketGraceSeconds = try trust.number("ticket_grace_minutes", in: 0...1440).map { $0 * 60 } ?? config.ticketGraceSeconds
            config.lateUploadSeconds = try trust.number("late_upload_hours", in: 0...8760).map { $0 * 3600 } ?? config.lateUploadSeconds
            try trust.finish()
        }
        if let limits = try root.table("limits") {
            config.limits.jsonBytes = try limits.integer("json_bytes", in: 1024...(64 << 20)) ?? config.limits.jsonBytes
            config.limits.segmentBytes = try limits.integer("segment_bytes", in: 4096...(256 << 20)) ?? config.limits.segmentBytes
            config.limits.bundleBytes = try limits.integer("bundle_bytes", in: 4096...(1 << 40)) ?? config.limits.bundleBytes
            config.limits.requestsPerMinute = try limits.integer("requests_per_minute", in: 1...100_000) ?? config.limits.requestsPerMinute
            try limits.finish()
        }
        try root.finish()
        return config
    }

    private static func readInstructors(_ trust: TableReader, path: (String) -> URL) throws(ProctorError) -> [RecipientKey] {
        var keys: [RecipientKey] = []
        _ = try trust.strings("instructors") { entry, line throws(ProctorError) in
            do throws(ProctorError) {
                keys.append(RecipientKey.looksLikeLine(entry) ? try RecipientKey(line: entry) : try RecipientKey(contentsOf: path(entry)))
            } catch {
                throw trust.error(line: line, key: "instructors", error.message)
            }
        }
        return keys
    }
}
