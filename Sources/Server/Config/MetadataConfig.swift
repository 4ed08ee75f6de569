import Exam
import Foundation
import ProctorModel

/// `[metadata]` in the server config (docs/server.md, "Configuration"): which `MetadataStore`
/// holds exams, tickets, checkpoints and receipts. SQLite in the data folder by default; one
/// PostgreSQL database for several `proctor serve` instances behind a load balancer.
package enum MetadataConfig: Sendable, Equatable {
    case sqlite
    case postgres(PostgresSettings)
}

/// Where the PostgreSQL database is and how to log in. The password never sits in the config
/// file or the URL (a config is often readable by more people than the database should be, and
/// URLs end up in logs): it comes from an environment variable or a file, read at start.
package struct PostgresSettings: Sendable, Equatable {
    package var host: String
    package var port = 5432
    package var user: String
    package var database: String
    package var password: PasswordSource = .none
    package var tls: TLSMode = .prefer
    /// Connections this instance opens at most; PostgreSQL's own limit is shared by all instances.
    package var maxConnections = 10

    package enum PasswordSource: Sendable, Equatable {
        case none
        case environment(String)
        case file(URL)
    }

    package enum TLSMode: String, Sendable, Equatable, CaseIterable {
        case disable, prefer, require
    }

    /// `postgres://USER@HOST[:PORT]/DATABASE`; a password, query or fragment in it is refused.
    package init(url text: String) throws(PostgresURLError) {
        guard let components = URLComponents(string: text), ["postgres", "postgresql"].contains(components.scheme ?? "") else {
            throw PostgresURLError("must look like postgres://USER@HOST:PORT/DATABASE")
        }
        guard components.password == nil else {
            throw PostgresURLError("must not carry the password: name it with password_env or password_file")
        }
        guard components.query == nil, components.fragment == nil else {
            throw PostgresURLError("takes no ?options; use the keys of [metadata] (tls, max_connections)")
        }
        guard let host = components.host, !host.isEmpty else { throw PostgresURLError("names no host") }
        guard let user = components.user, !user.isEmpty else { throw PostgresURLError("names no user (postgres://USER@HOST/DATABASE)") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw PostgresURLError("names no database (postgres://USER@HOST/DATABASE)") }
        self.host = host
        self.user = user
        self.database = database
        if let port = components.port { self.port = port }
    }

    /// The URL as it may be logged: it never holds a password.
    package var redacted: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    /// Reads the password where the config says it is; a file's trailing newline is not part of it.
    package func resolvePassword(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ProctorError) -> String? {
        switch password {
        case .none:
            return nil
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw ProctorError(.usage, "the environment variable \(name) named by [metadata] password_env is not set")
            }
            return value
        case .file(let url):
            guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
                throw ProctorError(.permission, "cannot read the database password file \(url.path) named by [metadata] password_file")
            }
            return String(text.reversed().drop(while: { $0 == "\n" || $0 == "\r" }).reversed())
        }
    }
}

package struct PostgresURLError: Error {
    package let message: String
    init(_ message: String) { self.message = message }
}

extension MetadataConfig {
    static func read(_ table: TableReader, path: (String) -> URL) throws(ProctorError) -> MetadataConfig {
        let store = try table.string("store") ?? "sqlite"
        switch store {
        case "sqlite":
            for key in ["url", "password_env", "password_file", "tls", "max_connections"] where table.keys.contains(key) {
                throw table.error(line: table.line(of: key), key: key, "only for store = \"postgres\"")
            }
            try table.finish()
            return .sqlite
        case "postgres":
            let url = try table.require("url") { key throws(ProctorError) in try table.string(key) }
            var settings: PostgresSettings
            do { settings = try PostgresSettings(url: url) } catch {
                throw table.error(line: table.line(of: "url"), key: "url", error.message)
            }
            let env = try table.string("password_env")
            let file = try table.string("password_file")
            switch (env, file) {
            case (let name?, nil): settings.password = .environment(name)
            case (nil, let file?): settings.password = .file(path(file))
            case (nil, nil): settings.password = .none
            case (_?, _?):
                throw table.error(line: table.line(of: "password_file"), key: "password_file", "give password_env or password_file, not both")
            }
            if let mode = try table.string("tls") {
                guard let tls = PostgresSettings.TLSMode(rawValue: mode) else {
                    throw table.error(line: table.line(of: "tls"), key: "tls", "must be one of disable, prefer, require, got \"\(mode)\"")
                }
                settings.tls = tls
            }
            settings.maxConnections = try table.integer("max_connections", in: 1...1000) ?? settings.maxConnections
            try table.finish()
            return .postgres(settings)
        default:
            throw table.error(line: table.line(of: "store"), key: "store", "must be \"sqlite\" or \"postgres\", got \"\(store)\"")
        }
    }
}
