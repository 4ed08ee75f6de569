import Foundation
import ProctorModel
import Server
import XCTest

/// `proctor serve --config`: every key, the defaults, and the errors a typo gets.
final class ServerConfigTests: XCTestCase {
    let base = URL(fileURLWithPath: "/srv/proctor")

    func testDefaultsRunOnOneMachine() throws {
        let config = try ServerConfig.parse(toml: "", fileName: "serve.toml", baseDirectory: base)
        XCTAssertEqual(config.host, "127.0.0.1")
        XCTAssertEqual(config.port, 8440)
        XCTAssertEqual(config.databaseURL.path, "/srv/proctor/proctor-server/proctor.sqlite")
        XCTAssertEqual(config.resolvedKeyFile.path, "/srv/proctor/proctor-server/server.server.key")
        XCTAssertEqual(config.limits.segmentBytes, 8 << 20)
        XCTAssertEqual(config.ticketGraceSeconds, 900)
        XCTAssertEqual(config.lateUploadSeconds, 72 * 3600)
        XCTAssertEqual(config.limits.requestsPerMinute, 120)
        XCTAssertTrue(config.trustedInstructors.isEmpty)
    }

    func testEveryKeyIsRead() throws {
        let config = try ServerConfig.parse(toml: """
            [listen]
            host = "0.0.0.0"
            port = 9000
            [storage]
            data_dir = "/var/lib/proctor"
            [identity]
            key_file = "keys/c.server.key"
            [trust]
            ticket_grace_minutes = 5
            late_upload_hours = 2
            [limits]
            json_bytes = 4096
            segment_bytes = 65536
            bundle_bytes = 1000000
            requests_per_minute = 30
            """, fileName: "serve.toml", baseDirectory: base)
        XCTAssertEqual(config.host, "0.0.0.0")
        XCTAssertEqual(config.port, 9000)
        XCTAssertEqual(config.bundlesDirectory.path, "/var/lib/proctor/bundles")
        XCTAssertEqual(config.resolvedKeyFile.path, "/srv/proctor/keys/c.server.key")
        XCTAssertEqual(config.ticketGraceSeconds, 300)
        XCTAssertEqual(config.lateUploadSeconds, 7200)
        XCTAssertEqual(config.limits.requestsPerMinute, 30)
        XCTAssertEqual([config.limits.jsonBytes, config.limits.segmentBytes, config.limits.bundleBytes], [4096, 65536, 1_000_000])
    }

    func testTyposAndBadValuesNameTheLine() {
        for (text, expected) in [
            ("[listen]\nprot = 1", "serve.toml:2: listen.prot: unknown key"),
            ("[listen]\nport = 70000", "serve.toml:2: listen.port: must be between 0 and 65535, got 70000"),
            ("[trust]\ninstructors = [\"proctor-pub-v2 x AAAA 000000\"]", "serve.toml:2: trust.instructors:"),
            ("[limitz]", "serve.toml:1: limitz: unknown key"),
        ] {
            XCTAssertThrowsError(try ServerConfig.parse(toml: text, fileName: "serve.toml", baseDirectory: base)) { error in
                let error = error as! ProctorError
                XCTAssertEqual(error.code, .badData)
                XCTAssertTrue(error.message.hasPrefix(expected), "\(error.message) should start with \(expected)")
            }
        }
    }

    func testMetadataInPostgreSQL() throws {
        XCTAssertEqual(try ServerConfig.parse(toml: "", fileName: "serve.toml", baseDirectory: base).metadata, .sqlite)
        let config = try ServerConfig.parse(toml: """
            [metadata]
            store = "postgres"
            url = "postgres://proctor@db.example.edu:6432/exams"
            password_file = "secrets/db-password"
            tls = "require"
            max_connections = 4
            """, fileName: "serve.toml", baseDirectory: base)
        var expected = try PostgresSettings(url: "postgres://proctor@db.example.edu:6432/exams")
        expected.password = .file(URL(fileURLWithPath: "/srv/proctor/secrets/db-password"))
        expected.tls = .require
        expected.maxConnections = 4
        XCTAssertEqual(config.metadata, .postgres(expected))
        XCTAssertEqual(expected.host, "db.example.edu")
        XCTAssertEqual(expected.port, 6432)
        XCTAssertEqual(expected.user, "proctor")
        XCTAssertEqual(expected.database, "exams")
        XCTAssertEqual(expected.redacted, "postgres://proctor@db.example.edu:6432/exams")

        let byEnv = try ServerConfig.parse(toml: "[metadata]\nstore = \"postgres\"\nurl = \"postgresql://p@localhost/x\"\npassword_env = \"PGPW\"",
                                           fileName: "serve.toml", baseDirectory: base)
        guard case .postgres(let settings) = byEnv.metadata else { return XCTFail("postgres expected") }
        XCTAssertEqual(settings.port, 5432)
        XCTAssertEqual(settings.tls, .prefer)
        XCTAssertEqual(try settings.resolvePassword(environment: ["PGPW": "s3cret"]), "s3cret")
        XCTAssertThrowsError(try settings.resolvePassword(environment: [:])) { error in
            XCTAssertEqual((error as! ProctorError).message, "the environment variable PGPW named by [metadata] password_env is not set")
        }
    }

    func testMetadataMistakesNameTheLine() {
        for (text, expected) in [
            ("[metadata]\nstore = \"mysql\"", "serve.toml:2: metadata.store: must be \"sqlite\" or \"postgres\", got \"mysql\""),
            ("[metadata]\nstore = \"postgres\"", "serve.toml:1: metadata.url: is required but missing"),
            ("[metadata]\nstore = \"postgres\"\nurl = \"postgres://u:hunter2@h/d\"",
             "serve.toml:3: metadata.url: must not carry the password: name it with password_env or password_file"),
            ("[metadata]\nstore = \"postgres\"\nurl = \"postgres://u@h/d?sslmode=require\"", "serve.toml:3: metadata.url: takes no ?options"),
            ("[metadata]\nstore = \"postgres\"\nurl = \"postgres://h/d\"", "serve.toml:3: metadata.url: names no user"),
            ("[metadata]\nstore = \"postgres\"\nurl = \"postgres://u@h/\"", "serve.toml:3: metadata.url: names no database"),
            ("[metadata]\nstore = \"postgres\"\nurl = \"postgres://u@h/d\"\ntls = \"maybe\"", "serve.toml:4: metadata.tls: must be one of disable, prefer, require"),
            ("[metadata]\nstore = \"postgres\"\nurl = \"postgres://u@h/d\"\npassword_env = \"A\"\npassword_file = \"b\"",
             "serve.toml:5: metadata.password_file: give password_env or password_file, not both"),
            ("[metadata]\nurl = \"postgres://u@h/d\"", "serve.toml:2: metadata.url: only for store = \"postgres\""),
            ("[metadata]\nstore = \"postgres\"\nurl = \"postgres://u@h/d\"\npasword_env = \"A\"", "serve.toml:4: metadata.pasword_env: unknown key"),
        ] {
            XCTAssertThrowsError(try ServerConfig.parse(toml: text, fileName: "serve.toml", baseDirectory: base)) { error in
                let error = error as! ProctorError
                XCTAssertEqual(error.code, .badData)
                XCTAssertTrue(error.message.hasPrefix(expected), "\(error.message) should start with \(expected)")
            }
        }
    }
}
